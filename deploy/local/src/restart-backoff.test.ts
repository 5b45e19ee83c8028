import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nextRestart } from './restart-backoff';

describe('restarting a service that died', () => {
  it('restarts after half a second, doubling for each crash in a row up to 30 s', () => {
    let crashes = 0;
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      const next = nextRestart(crashes, 1000);
      delays.push(next.delayMs);
      crashes = next.crashesInARow;
    }
    assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('starts over at half a second once the service stayed up a minute', () => {
    assert.deepEqual(nextRestart(7, 60_000), { delayMs: 500, crashesInARow: 1 });
    assert.equal(nextRestart(7, 59_999).delayMs, 30_000);
  });
});

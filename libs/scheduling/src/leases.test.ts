import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { expiredLeases } from './leases';

describe('worker leases', () => {
  const running = { id: 'j', state: 'RUNNING', attempt: 2, startedAtMs: 1000 };

  it('expires a running job whose worker has been silent longer than the timeout', () => {
    assert.deepEqual(expiredLeases([running], new Map([['j', { attempt: 2, atMs: 5000 }]]), 20_001, 15_000, 0), ['j']);
    assert.deepEqual(expiredLeases([running], new Map([['j', { attempt: 2, atMs: 5000 }]]), 19_999, 15_000, 0), []);
  });

  it('does not count beats of an older attempt', () => {
    assert.deepEqual(expiredLeases([running], new Map([['j', { attempt: 1, atMs: 50_000 }]]), 20_000, 15_000, 0), ['j']);
  });

  it('gives workers a full timeout after a scheduler restart and ignores jobs that are not running', () => {
    assert.deepEqual(expiredLeases([running], new Map(), 20_000, 15_000, 10_000), []);
    assert.deepEqual(expiredLeases([{ ...running, state: 'QUEUED' }], new Map(), 99_000, 15_000, 0), []);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LogBatcher } from './log-batcher';

describe('log batches', () => {
  it('are numbered from 1 and start a new batch before one would pass its size', () => {
    const batcher = new LogBatcher('j-1', 2, 200);
    const line = (text: string) => ({ at: 1, stream: 'stdout' as const, text });
    assert.equal(batcher.add(line('a'.repeat(100))), undefined);
    const first = batcher.add(line('b'.repeat(100)));
    assert.equal(first?.seq, 1);
    assert.equal(first?.lines.length, 1);
    const second = batcher.take();
    assert.deepEqual([second?.seq, second?.attempt, second?.lines[0].text.length], [2, 2, 100]);
    assert.equal(batcher.take(), undefined);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LogRateLimiter } from './log-rate-limiter';

describe('the log rate limiter', () => {
  it('keeps lines up to the rate, counts the rest and says how many were dropped when the second is over', () => {
    const limiter = new LogRateLimiter({ linesPerSecond: 3, bytesPerSecond: 1000, totalBytesPerJob: 10_000 });
    const kept = Array.from({ length: 5 }, (_, i) => limiter.admit(10, 1000 + i).keep);
    assert.deepEqual(kept, [true, true, true, false, false]);
    const next = limiter.admit(10, 2000);
    assert.equal(next.keep, true);
    assert.match(next.notes[0], /^2 lines \(20 B\) dropped: output faster than 3 lines/);
    assert.equal(limiter.droppedLines, 2);
  });

  it('drops by bytes a second as well as lines', () => {
    const limiter = new LogRateLimiter({ linesPerSecond: 100, bytesPerSecond: 100, totalBytesPerJob: 10_000 });
    assert.equal(limiter.admit(60, 0).keep, true);
    assert.equal(limiter.admit(60, 1).keep, false);
    assert.match(limiter.flush()[0], /^1 lines/);
  });

  it('keeps nothing past the total and says so once', () => {
    const limiter = new LogRateLimiter({ linesPerSecond: 100, bytesPerSecond: 10_000, totalBytesPerJob: 100 });
    assert.equal(limiter.admit(90, 0).keep, true);
    const full = limiter.admit(20, 1);
    assert.equal(full.keep, false);
    assert.match(full.notes[0], /the log is full \(100 B per attempt\)/);
    assert.deepEqual(limiter.admit(1, 5000), { keep: false, notes: [] });
  });
});

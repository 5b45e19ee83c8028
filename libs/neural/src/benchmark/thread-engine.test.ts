import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { splitCount } from './thread-engine';

describe("a threaded benchmark row's shares of a batch", () => {
  it('are as even as can be, the larger first, and add up to the batch', () => {
    assert.deepEqual(splitCount(8, 2), [4, 4]);
    assert.deepEqual(splitCount(7, 2), [4, 3]);
    assert.deepEqual(splitCount(10, 4), [3, 3, 2, 2]);
  });

  it('leave a thread out rather than give it no image', () => {
    assert.deepEqual(splitCount(1, 2), [1]);
    assert.deepEqual(splitCount(3, 8), [1, 1, 1]);
  });
});

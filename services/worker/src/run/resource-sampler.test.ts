import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { underNodeIndexes } from './resource-sampler';

const row = (index: number) => ({ index, utilizationPercent: 50, memoryUsedBytes: 1, memoryTotalBytes: 2 });

describe('GPU samples', () => {
  it("report a container's GPUs, which nvidia-smi there numbers from 0, under the node's indexes", () => {
    const gpus = [
      { index: 4, smiIndex: 0 },
      { index: 5, smiIndex: 1 },
    ];
    assert.deepEqual(underNodeIndexes([row(1), row(0)], gpus).map((g) => g.index), [5, 4]);
  });

  it('leave out a GPU that is not the job\'s', () => {
    assert.deepEqual(underNodeIndexes([row(2), row(3)], [{ index: 2, smiIndex: 2 }]).map((g) => g.index), [2]);
  });
});

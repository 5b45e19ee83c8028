import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { allGpus, DEFAULT_GPU_LAYOUT, inventoryFromLayout, totalGpus } from './inventory';

describe('inventory', () => {
  it('reads the default layout as 3 servers with 8 GPUs', () => {
    const inv = inventoryFromLayout(DEFAULT_GPU_LAYOUT);
    assert.deepEqual(inv.servers, [{ name: 's1', gpus: 4 }, { name: 's2', gpus: 2 }, { name: 's3', gpus: 2 }]);
    assert.equal(totalGpus(inv), 8);
    assert.equal(allGpus(inv).length, 8);
  });

  it('names the bad part of a layout', () => {
    assert.throws(() => inventoryFromLayout('4,x,2'), /"x" is not a GPU count/);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseNvidiaSmi } from './gpu-query';

describe("nvidia-smi's CSV", () => {
  it("keeps the job's GPUs only, memory in bytes, and skips rows it cannot read", () => {
    const csv = '0, 97, 30000, 81559\n1, 12, 1024, 81559\n2, [N/A], [N/A], 81559\n';
    assert.deepEqual(parseNvidiaSmi(csv, [1, 2]), [{ index: 1, utilizationPercent: 12, memoryUsedBytes: 1024 * 2 ** 20, memoryTotalBytes: 81559 * 2 ** 20 }]);
  });
});

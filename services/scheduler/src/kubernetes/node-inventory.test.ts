import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Node } from '@kubernetes/client-node';
import { courseNodes, inventoryFromNodes, nodeInventoryChanges } from './node-inventory';

function node(name: string, gpus: number, ready = true): V1Node {
  return { metadata: { name }, status: { allocatable: { 'nvidia.com/gpu': String(gpus) }, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } };
}

describe('the inventory from the course nodes', () => {
  it('makes a server of each ready node with its allocatable GPUs', () => {
    const nodes = courseNodes([node('gpu-2', 2), node('gpu-1', 4), node('gpu-3', 2, false), node('cpu-1', 0)]);
    assert.deepEqual(inventoryFromNodes(nodes).servers, [
      { name: 'gpu-1', gpus: 4 },
      { name: 'gpu-2', gpus: 2 },
    ]);
  });

  it('marks every GPU of a node that is not ready or gone as broken', () => {
    const inventory = { servers: [{ name: 'gpu-1', gpus: 2 }, { name: 'gpu-2', gpus: 2, brokenGpus: [1] }] };
    const changes = nodeInventoryChanges(inventory, courseNodes([node('gpu-1', 2, false)]), new Set());
    assert.deepEqual(changes, [
      { type: 'gpu', server: 'gpu-1', index: 0, broken: true },
      { type: 'gpu', server: 'gpu-1', index: 1, broken: true },
      { type: 'gpu', server: 'gpu-2', index: 0, broken: true },
    ]);
  });

  it('gives back only the GPUs it took when a node is ready again', () => {
    const inventory = { servers: [{ name: 'gpu-1', gpus: 2, brokenGpus: [0, 1] }, { name: 'gpu-2', gpus: 2, brokenGpus: [1] }] };
    const changes = nodeInventoryChanges(inventory, courseNodes([node('gpu-1', 2), node('gpu-2', 2)]), new Set(['gpu-1']));
    assert.deepEqual(changes, [
      { type: 'gpu', server: 'gpu-1', index: 0, broken: false },
      { type: 'gpu', server: 'gpu-1', index: 1, broken: false },
    ]);
  });

  it('adds a new ready course node as a server', () => {
    const changes = nodeInventoryChanges({ servers: [] }, courseNodes([node('gpu-9', 8)]), new Set());
    assert.deepEqual(changes, [{ type: 'add-server', name: 'gpu-9', gpus: 8 }]);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runRowKernel, sharedFloat64 } from '../parallel/row-kernels';
import { RowPool } from '../parallel/row-pool';
import { normalSource, seededRandom } from '../random';
import { relativeError } from '../testing/clusters';
import { BarnesHutRepulsion, BarnesHutTree } from './barnes-hut';
import { ExactRepulsion } from './forces';
import { blockCount, sumBlocks } from './sum-blocks';

/** Uniform points in a square of side 40. */
function uniformPoints(n: number, seed: number): Float64Array {
  const random = seededRandom(seed);
  return Float64Array.from({ length: 2 * n }, () => 40 * random() - 20);
}

/**
 * Ten tight clusters on a ring, as late in an optimization, and a pile of 40 coincident points
 * (more than a leaf holds, so the tree keeps them together).
 */
function clusteredPoints(n: number, seed: number): Float64Array {
  const normal = normalSource(seededRandom(seed));
  const y = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const angle = (2 * Math.PI * (i % 10)) / 10;
    y[2 * i] = 30 * Math.cos(angle) + 2 * normal();
    y[2 * i + 1] = 30 * Math.sin(angle) + 2 * normal();
  }
  for (let i = 0; i < 40; i++) [y[2 * i], y[2 * i + 1]] = [1.5, -2.5];
  return y;
}

const layouts = [['random', uniformPoints(1500, 1)], ['clustered', clusteredPoints(1500, 2)]] as const;

function exact(y: Float64Array, n: number): { forces: Float64Array; z: number } {
  const forces = new Float64Array(2 * n);
  return { z: new ExactRepulsion().compute(y, n, forces), forces };
}

/** The optimizer's way: the walk as a RowPool task (one thread when `threads` is 1). */
function pooledWalk(y: Float64Array, n: number, theta: number, threads: number): { forces: Float64Array; z: number } {
  const shared = sharedFloat64(2 * n);
  shared.set(y);
  const out = sharedFloat64(2 * n);
  const blocks = blockCount(n);
  const z = sharedFloat64(blocks);
  const tree = new BarnesHutTree().build(shared, n, theta);
  const pool = RowPool.open(threads);
  assert.equal(pool?.parts ?? 1, threads);
  try {
    const task = { kind: 'barnesHutWalk', tree, n, y: shared.buffer, out: out.buffer, z: z.buffer } as const;
    if (pool) pool.run(task, blocks);
    else runRowKernel(task, 0, blocks, 0);
    return { forces: Float64Array.from(out), z: sumBlocks(z, blocks) };
  } finally {
    pool?.close();
  }
}

describe('Barnes-Hut repulsion', () => {
  it('is the exact sum at θ = 0, on random and clustered points, on one thread and two', () => {
    for (const [name, y] of layouts) {
      const n = y.length / 2;
      const reference = exact(y, n);
      for (const threads of [1, 2]) {
        const { forces, z } = pooledWalk(y, n, 0, threads);
        assert.ok(Math.abs(z / reference.z - 1) < 1e-12, `${name}, ${threads} threads: Z ${z} vs ${reference.z}`);
        assert.ok(relativeError(forces, reference.forces) < 1e-12, `${name}, ${threads} threads: force error ${relativeError(forces, reference.forces)}`);
      }
    }
  });

  it('stays within 1.5% of the exact forces and 1% of Z at θ = 0.5', () => {
    for (const [name, y] of layouts) {
      const n = y.length / 2;
      const reference = exact(y, n);
      const forces = new Float64Array(2 * n);
      const z = new BarnesHutRepulsion(0.5).compute(y, n, forces);
      assert.ok(Math.abs(z / reference.z - 1) < 1e-2, `${name}: Z ${z} vs ${reference.z}`);
      assert.ok(relativeError(forces, reference.forces) < 1.5e-2, `${name}: force error ${relativeError(forces, reference.forces)}`);
    }
  });

  it('gives bit for bit the same forces and Z on two threads as on one', () => {
    for (const [name, y] of layouts) {
      const n = y.length / 2;
      const one = pooledWalk(y, n, 0.5, 1);
      const two = pooledWalk(y, n, 0.5, 2);
      assert.equal(two.z, one.z, name);
      assert.deepEqual(Array.from(two.forces), Array.from(one.forces), name);
    }
  });
});

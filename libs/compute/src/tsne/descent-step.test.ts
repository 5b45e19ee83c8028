import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RowPool } from '../parallel/row-pool';
import { runRowKernel } from '../parallel/row-kernels';
import { type DescentStepTask } from './descent-step';
import { blockCount } from './sum-blocks';

/** A deterministic generator in [0, 1), so a failure reproduces. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function shared(values: ArrayLike<number>, int32 = false): SharedArrayBuffer {
  const out = new SharedArrayBuffer(values.length * (int32 ? 4 : 8));
  (int32 ? new Int32Array(out) : new Float64Array(out)).set(values);
  return out;
}

/** An optimizer's state for n points: a random sparse P (some zero entries), y, repulsion, and update and gains with both signs and gains near the floor. */
function randomState(n: number, seed: number): DescentStepTask {
  const next = random(seed);
  const rowStart = [0];
  const columns: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const count = Math.floor(next() * 40);
    for (let k = 0; k < count; k++) {
      columns.push(Math.floor(next() * n));
      values.push(next() < 0.05 ? 0 : next() * 1e-3);
    }
    rowStart.push(columns.length);
  }
  const points = (scale: number) => Array.from({ length: 2 * n }, () => (next() - 0.5) * scale);
  return {
    kind: 'descentStep',
    n,
    y: shared(points(40)),
    next: shared(new Float64Array(2 * n)),
    repulsion: shared(points(1e-3)),
    update: shared(points(2)),
    gains: shared(Array.from({ length: 2 * n }, () => (next() < 0.2 ? 0.011 : 0.5 + next()))),
    rowStart: shared(rowStart, true),
    columns: shared(columns, true),
    values: shared(values),
    inverseZ: 1 / 1234.5,
    exaggeration: 12,
    momentum: 0.5,
    learningRate: 200,
    klZ: 0,
    kl: shared(new Float64Array(blockCount(n))),
    kernel: 'js',
  };
}

/** A copy of the state with buffers of its own (P shared, as one optimization's is). */
function copy(task: DescentStepTask, kernel: 'js' | 'wasm'): DescentStepTask {
  const own = (b: SharedArrayBuffer) => shared(new Float64Array(b));
  return { ...task, y: own(task.y), next: own(task.next), repulsion: own(task.repulsion), update: own(task.update), gains: own(task.gains), kl: own(task.kl), kernel };
}

/** Runs `iterations` steps (KL on the second), swapping y and next as the optimizer does; returns the final state's arrays. */
function iterate(task: DescentStepTask, iterations: number, pool: RowPool | undefined): Float64Array[] {
  let state = task;
  const blocks = blockCount(task.n);
  for (let t = 0; t < iterations; t++) {
    const step = { ...state, klZ: t === 1 ? 987.6 : 0 };
    if (pool) pool.run(step, blocks);
    else runRowKernel(step, 0, blocks, 0);
    state = { ...step, y: step.next, next: step.y };
  }
  return [state.y, state.update, state.gains, state.kl].map((b) => new Float64Array(b));
}

describe('the WebAssembly descent step', () => {
  it('gives the JS step’s positions, updates, gains and KL terms to the bit, on one thread', () => {
    const task = randomState(700, 1);
    const expected = iterate(copy(task, 'js'), 4, undefined);
    assert.deepStrictEqual(iterate(copy(task, 'wasm'), 4, undefined), expected);
  });

  it('gives the JS step’s bits on two threads, each with its own blocks', () => {
    const task = randomState(1100, 2);
    const expected = iterate(copy(task, 'js'), 3, undefined);
    const pool = RowPool.open(2);
    try {
      assert.deepStrictEqual(iterate(copy(task, 'wasm'), 3, pool), expected);
    } finally {
      pool?.close();
    }
  });

  it('copies a new P in when the thread has held another of the same size', () => {
    const first = randomState(300, 3);
    const second = randomState(300, 4);
    iterate(copy(first, 'wasm'), 1, undefined);
    assert.deepStrictEqual(iterate(copy(second, 'wasm'), 2, undefined), iterate(copy(second, 'js'), 2, undefined));
  });

  it('keeps P named by its id across runs on two threads, and takes a P of another id anew', () => {
    const pool = RowPool.open(2);
    try {
      for (const [seed, pId] of [[5, 101], [6, 102], [6, 102]]) {
        const task = { ...randomState(1100, seed), pId };
        assert.deepStrictEqual(iterate(copy(task, 'wasm'), 3, pool), iterate(copy(task, 'js'), 3, undefined), `P ${pId}`);
      }
    } finally {
      pool?.close();
    }
  });
});

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalSource, seededRandom } from '../random';
import { FftRepulsion } from './fft-interpolation';
import { GridConvolution, loadFft, squaredCauchy } from './grid-convolution';
import { helperState, type StagedGrid, takeStaged } from './grid-thread-protocol';
import { ParallelGridConvolution, type ParallelGridOptions } from './parallel-grid';

const SPACING = 0.3;

/** Fills both grids' top-left nodes × nodes corner with the same deterministic charges. */
function charge(grid: { size: number; a: Float32Array; b: Float32Array }, nodes: number): void {
  const m = grid.size;
  grid.a.fill(0);
  grid.b.fill(0);
  for (let r = 0; r < nodes; r++) {
    for (let c = 0; c < 2 * nodes; c++) {
      grid.a[2 * r * m + c] = Math.sin(r + 0.7 * c);
      grid.b[2 * r * m + c] = Math.cos(0.3 * r * c);
    }
  }
}

/** The corner a convolution's caller reads back. */
function corner(grid: Float32Array, m: number, nodes: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < nodes; r++) out.push(...grid.subarray(2 * r * m, 2 * (r * m + nodes)));
  return out;
}

/** Convolves the test charges on `parallel` at its current size and checks both grids against one thread. */
async function assertMatchesOneThread(parallel: ParallelGridConvolution, label: string): Promise<void> {
  const m = parallel.size;
  const nodes = m / 2;
  const single = new GridConvolution(await loadFft(), m);
  try {
    const key = `${nodes}:${SPACING}`;
    parallel.setKernel(key, nodes, (r2) => squaredCauchy(r2, SPACING), SPACING);
    single.setKernel(key, nodes, (r2) => squaredCauchy(r2, SPACING));
    charge(parallel, nodes);
    charge(single, nodes);
    parallel.convolve(nodes);
    single.convolve(nodes);
    assert.deepEqual(corner(parallel.a, m, nodes), corner(single.a, m, nodes), `${label}: grid a`);
    assert.deepEqual(corner(parallel.b, m, nodes), corner(single.b, m, nodes), `${label}: grid b`);
  } finally {
    single.dispose();
  }
}

const scripts = mkdtempSync(join(tmpdir(), 'grid-thread-'));
after(() => rmSync(scripts, { recursive: true, force: true }));

/** A helper script serving grids with PFFFT as `fft` (an expression over the real module `real`) makes it. */
function helperScript(name: string, load: string): string {
  const path = join(scripts, `${name}.js`);
  const serve = JSON.stringify(join(__dirname, 'grid-thread-serve.js'));
  const convolution = JSON.stringify(join(__dirname, 'grid-convolution.js'));
  writeFileSync(path, `const { workerData } = require('node:worker_threads');\nconst { loadFft } = require(${convolution});\nrequire(${serve}).serveGrids(workerData, ${load});\n`);
  return path;
}

/** PFFFT whose row transform does `act` first (the helper's setKernel and convolution both get there). */
function withTransform(act: string): string {
  return `async () => { const real = await loadFft(); return new Proxy(real, { get: (t, k) => k === '_pffft_transform' ? (...args) => { ${act}; return t[k](...args); } : t[k] }); }`;
}

async function failure(action: () => unknown): Promise<{ error: Error; ms: number }> {
  const start = performance.now();
  try {
    await action();
  } catch (error) {
    return { error: error as Error, ms: performance.now() - start };
  }
  assert.fail('expected a failure');
}

/** The failure of a convolution on a helper running `script`, how long it took, and what a second try throws. */
async function convolveFailure(script: string, options: ParallelGridOptions): Promise<{ error: Error; ms: number; again?: Error }> {
  const parallel = await ParallelGridConvolution.create(await loadFft(), 48, { ...options, script });
  try {
    const first = await failure(() => assertMatchesOneThread(parallel, 'failing helper'));
    const again = await failure(() => parallel.convolve(24));
    return { ...first, again: again.error };
  } finally {
    parallel.dispose();
  }
}

describe('the staging-grid hand-over', () => {
  it('takes the newest staged grid and drops the ones replaced before it', () => {
    const queue: StagedGrid[] = [1, 2, 3].map((generation) => ({ generation, size: 16 * generation, buffer: new SharedArrayBuffer(8) }));
    assert.equal(takeStaged(() => queue.shift(), 3).size, 48);
    assert.equal(queue.length, 0);
  });

  it('refuses to go on without the wanted grid', () => {
    const queue: StagedGrid[] = [{ generation: 1, size: 16, buffer: new SharedArrayBuffer(8) }];
    assert.throws(() => takeStaged(() => queue.shift(), 2), /staging grid 2 was not handed over/);
  });
});

describe('judging a waited-for helper', () => {
  const base = { sequence: 5, done: 4, failed: false, dead: false, quietMs: 0, stallMs: 100 };
  it('waits on a helper that keeps making progress, however long it takes', () => assert.equal(helperState({ ...base, quietMs: 99 }), 'working'));
  it('gives up on one quiet for the stall time', () => assert.equal(helperState({ ...base, quietMs: 100 }), 'stalled'));
  it('takes an answer over a later death', () => assert.equal(helperState({ ...base, done: 5, dead: true }), 'answered'));
  it('reports a failed answer and a death', () => {
    assert.equal(helperState({ ...base, done: 5, failed: true }), 'failed');
    assert.equal(helperState({ ...base, dead: true }), 'dead');
  });
});

describe('parallel grid convolution', () => {
  it('gives what one thread gives through resize sequences between convolutions', async () => {
    const parallel = await ParallelGridConvolution.create(await loadFft(), 48);
    try {
      // Each sequence ends on the size convolved; the helper must take the newest staging grid.
      for (const sizes of [[64], [48, 64], [80, 64], [96, 80, 64], [64], [48, 80, 96], [96]]) {
        for (const size of sizes) parallel.resize(size);
        await assertMatchesOneThread(parallel, sizes.join('→'));
      }
    } finally {
      parallel.dispose();
    }
  });

  it('throws a clear error when used after dispose', async () => {
    const parallel = await ParallelGridConvolution.create(await loadFft(), 48);
    parallel.dispose();
    parallel.dispose();
    assert.throws(() => parallel.convolve(24), /used after dispose/);
    assert.throws(() => parallel.resize(64), /used after dispose/);
  });

  it('fails create() fast with the reason when the helper cannot load PFFFT', async () => {
    const script = helperScript('no-pffft', `() => Promise.reject(new Error('PFFFT would not load'))`);
    const { error, ms } = await failure(async () => ParallelGridConvolution.create(await loadFft(), 48, { script }));
    assert.match(error.message, /did not start: .*PFFFT would not load/s);
    assert.ok(ms < 5000, `${ms} ms`);
  });

  it('fails create() fast when the helper script throws outright', async () => {
    const script = join(scripts, 'throws.js');
    writeFileSync(script, `throw new Error('broken helper');\n`);
    const { error } = await failure(async () => ParallelGridConvolution.create(await loadFft(), 48, { script }));
    assert.match(error.message, /did not start: .*broken helper/s);
  });

  it('bounds how long create() waits for a helper that never becomes ready', async () => {
    const script = join(scripts, 'silent.js');
    writeFileSync(script, `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);\n`);
    const { error, ms } = await failure(async () => ParallelGridConvolution.create(await loadFft(), 48, { script, startMs: 200 }));
    assert.match(error.message, /did not start within 200 ms/);
    assert.ok(ms < 5000, `${ms} ms`);
  });

  it('fails convolve() fast with the reason when the helper exits while the caller waits', async () => {
    const { error, ms, again } = await convolveFailure(helperScript('exits', withTransform('process.exit(7)')), {});
    assert.match(error.message, /died: .*exited with code 7/s);
    assert.ok(ms < 5000, `${ms} ms`);
    // A failure is final: the helper's state is unknown from here on.
    assert.match(again?.message ?? '', /exited with code 7/);
  });

  it('gives up on a helper that stops making progress after the stall time, not at a fixed timeout', async () => {
    const { error, ms } = await convolveFailure(helperScript('hangs', withTransform('Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)')), { stallMs: 300 });
    assert.match(error.message, /no progress for 300 ms/);
    assert.ok(ms < 5000, `${ms} ms`);
  });

  it('waits out a helper slower than the stall time as long as it makes progress', async () => {
    // 1 ms a row: about a second for a 128-point grid, with progress every 64 rows.
    const script = helperScript('slow', withTransform('Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1)'));
    const parallel = await ParallelGridConvolution.create(await loadFft(), 128, { script, stallMs: 300 });
    try {
      await assertMatchesOneThread(parallel, 'slow');
    } finally {
      parallel.dispose();
    }
  });
});

describe('FFT repulsion on two threads', () => {
  it('gives exactly what one thread gives when the first grid is not the initial size', async () => {
    const normal = normalSource(seededRandom(17));
    const n = 6000;
    const parallel = await FftRepulsion.create(n, undefined, undefined, 2);
    const single = await FftRepulsion.create(4999, 1);
    try {
      for (const scale of [20, 2, 30, 20]) {
        const y = Float64Array.from({ length: 2 * n }, () => normal() * scale);
        const a = new Float64Array(2 * n);
        const b = new Float64Array(2 * n);
        assert.equal(parallel.compute(y, n, a), single.compute(y, n, b), `Z at scale ${scale}`);
        assert.deepEqual(Array.from(a), Array.from(b), `forces at scale ${scale}`);
      }
    } finally {
      parallel.dispose();
      single.dispose();
    }
  });
});

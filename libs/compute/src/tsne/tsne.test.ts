import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError, InvalidParameterError } from '../errors';
import { normalSource, seededRandom } from '../random';
import { calibrateRow, denseAffinities, sparseAffinities, squaredDistanceMatrix } from './affinities';
import { BarnesHutRepulsion } from './barnes-hut';
import { FftRepulsion } from './fft-interpolation';
import { ExactRepulsion } from './forces';
import { exactNeighbours } from './neighbours';
import { parallelNeighbours } from './parallel-neighbours';
import { blobs, relativeError } from '../testing/clusters';
import { type TsneAccelerator } from './accelerator';
import { gradient, tsne } from './tsne';

/**
 * An accelerator made of this package's own CPU pieces (exact neighbours, exact repulsion), that
 * records what it is asked: it pins what tsne() hands an accelerator, not how fast one is.
 */
function referenceAccelerator(): TsneAccelerator & { calls: string[] } {
  const calls: string[] = [];
  return {
    name: 'reference',
    calls,
    neighbours: async (x, k) => (calls.push(`neighbours k=${k}`), exactNeighbours(x, k)),
    squaredDistances: async (x) => (calls.push('squaredDistances'), squaredDistanceMatrix(x.data, x.rows, x.cols)),
    gradient(affinities) {
      calls.push('sparse' in affinities ? 'gradient sparse' : 'gradient dense');
      const repulsion = new ExactRepulsion();
      const n = 'sparse' in affinities ? affinities.sparse.n : affinities.n;
      const p = 'sparse' in affinities ? affinities.sparse : undefined;
      const dense = 'dense' in affinities ? affinities.dense : undefined;
      return {
        compute: async (y, exaggeration, grad, wantKl) => gradient(y, n, p, dense, repulsion, exaggeration, grad, wantKl),
        dispose: () => void calls.push('dispose'),
      };
    },
  };
}

describe('t-SNE affinities', () => {
  it('calibrates every row to an entropy within 1e-5 of log(perplexity)', () => {
    const { x } = blobs(40, 5, 10, 1);
    const neighbours = exactNeighbours(x, 90);
    const out = new Float64Array(90);
    for (const perplexity of [5, 30]) {
      for (let i = 0; i < x.rows; i++) {
        const entropy = calibrateRow(neighbours.distances, i * 90, 90, perplexity, out, 0);
        assert.ok(Math.abs(entropy - Math.log(perplexity)) < 1e-5, `row ${i}: entropy ${entropy}`);
        // The entropy of the normalized row, computed independently.
        let h = 0;
        for (const p of out) if (p > 0) h -= p * Math.log(p);
        assert.ok(Math.abs(h - Math.log(perplexity)) < 1e-5, `row ${i}: recomputed entropy ${h}`);
      }
    }
  });

  it('makes P symmetric and summing to 1, sparse and dense alike', () => {
    const { x } = blobs(30, 4, 6, 2);
    const p = sparseAffinities(exactNeighbours(x, 30), 10);
    const dense = new Map<string, number>();
    let sum = 0;
    for (let i = 0; i < p.n; i++) {
      for (let e = p.rowStart[i]; e < p.rowStart[i + 1]; e++) {
        dense.set(`${i},${p.columns[e]}`, p.values[e]);
        sum += p.values[e];
      }
    }
    assert.ok(Math.abs(sum - 1) < 1e-12);
    for (const [key, v] of dense) {
      const [i, j] = key.split(',');
      assert.equal(dense.get(`${j},${i}`), v);
    }
    const full = denseAffinities(squaredDistanceMatrix(x.data, x.rows, x.cols), x.rows, 10);
    assert.ok(Math.abs(full.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  });

  it('finds the same neighbours as a brute-force sort', () => {
    const { x } = blobs(25, 4, 5, 3);
    const k = 7;
    const found = exactNeighbours(x, k);
    const d = squaredDistanceMatrix(x.data, x.rows, x.cols);
    for (let i = 0; i < x.rows; i++) {
      const expected = Array.from({ length: x.rows }, (_, j) => j)
        .filter((j) => j !== i)
        .sort((a, b) => d[i * x.rows + a] - d[i * x.rows + b])
        .slice(0, k);
      assert.deepEqual(Array.from(found.indices.subarray(i * k, (i + 1) * k)), expected);
    }
  });
});

describe('t-SNE gradient', () => {
  it('equals the finite-difference derivative of the KL divergence', () => {
    const { x } = blobs(10, 3, 4, 4);
    const n = x.rows;
    const p = denseAffinities(squaredDistanceMatrix(x.data, n, x.cols), n, 5);
    const normal = normalSource(seededRandom(5));
    const y = Float64Array.from({ length: 2 * n }, () => normal());
    const grad = new Float64Array(2 * n);
    const kl = (at: Float64Array) => gradient(at, n, undefined, p, new ExactRepulsion(), 1, new Float64Array(2 * n), true);
    gradient(y, n, undefined, p, new ExactRepulsion(), 1, grad, false);
    const h = 1e-6;
    for (let t = 0; t < 2 * n; t++) {
      const plus = Float64Array.from(y);
      const minus = Float64Array.from(y);
      plus[t] += h;
      minus[t] -= h;
      const numeric = (kl(plus) - kl(minus)) / (2 * h);
      assert.ok(Math.abs(numeric - grad[t]) < 1e-6 + 1e-4 * Math.abs(numeric), `coordinate ${t}: analytic ${grad[t]}, numeric ${numeric}`);
    }
  });

  it('approximates the repulsive forces and Z within 2% with Barnes-Hut (θ = 0.5) and FFT interpolation', async () => {
    const normal = normalSource(seededRandom(6));
    const n = 3000;
    // A spread-out embedding with clusters, as late in an optimization.
    const y = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const angle = (2 * Math.PI * (i % 10)) / 10;
      y[2 * i] = 30 * Math.cos(angle) + 3 * normal();
      y[2 * i + 1] = 30 * Math.sin(angle) + 3 * normal();
    }
    const exact = new Float64Array(2 * n);
    const zExact = new ExactRepulsion().compute(y, n, exact);
    for (const method of [new BarnesHutRepulsion(0.5), await FftRepulsion.create(n)]) {
      const approx = new Float64Array(2 * n);
      const z = method.compute(y, n, approx);
      assert.ok(Math.abs(z / zExact - 1) < 0.02, `${method.method}: Z ${z} vs ${zExact}`);
      assert.ok(relativeError(approx, exact) < 0.02, `${method.method}: force error ${relativeError(approx, exact)}`);
    }
  });
});

describe('FFT repulsion on two threads', () => {
  it('gives exactly what one thread gives, through grid size changes', async () => {
    const normal = normalSource(seededRandom(13));
    const n = 6000;
    const parallel = await FftRepulsion.create(n);
    const single = await FftRepulsion.create(4999, 1);
    try {
      for (const scale of [2, 40, 90]) {
        const y = Float64Array.from({ length: 2 * n }, () => normal() * scale);
        const a = new Float64Array(2 * n);
        const b = new Float64Array(2 * n);
        assert.equal(parallel.compute(y, n, a), single.compute(y, n, b));
        assert.deepEqual(Array.from(a), Array.from(b));
        assert.equal(parallel.fftSize, single.fftSize);
      }
    } finally {
      parallel.dispose();
      single.dispose();
    }
  });
});

describe('t-SNE', () => {
  it('gives nearly the same KL with the exact, Barnes-Hut and FFT methods', async () => {
    const { x } = blobs(60, 10, 10, 7);
    const kls: Record<string, number> = {};
    for (const method of ['exact', 'barnes-hut', 'fft'] as const) {
      kls[method] = (await tsne(x, { method, perplexity: 20, iterations: 500 })).kl;
    }
    for (const method of ['barnes-hut', 'fft']) {
      assert.ok(Math.abs(kls[method] / kls.exact - 1) < 0.05, `${method}: KL ${kls[method]} vs exact ${kls.exact}`);
    }
  });

  it("separates clusters: each point's nearest neighbour in the embedding shares its label", async () => {
    const { x, labels } = blobs(50, 5, 20, 8);
    const { embedding } = await tsne(x, { perplexity: 15, iterations: 500 });
    let agree = 0;
    for (let i = 0; i < x.rows; i++) {
      let best = -1;
      let bestD = Infinity;
      for (let j = 0; j < x.rows; j++) {
        if (j === i) continue;
        const d = (embedding[2 * i] - embedding[2 * j]) ** 2 + (embedding[2 * i + 1] - embedding[2 * j + 1]) ** 2;
        if (d < bestD) {
          bestD = d;
          best = j;
        }
      }
      if (labels.codes[best] === labels.codes[i]) agree++;
    }
    assert.ok(agree / x.rows > 0.98, `1-NN agreement ${agree / x.rows}`);
  });

  it('is deterministic for a seed, with random and PCA initialization', async () => {
    const { x } = blobs(30, 4, 8, 9);
    for (const init of ['random', 'pca'] as const) {
      const a = await tsne(x, { init, seed: 3, iterations: 100 });
      const b = await tsne(x, { init, seed: 3, iterations: 100 });
      assert.deepEqual(Array.from(a.embedding), Array.from(b.embedding));
    }
    const c = await tsne(x, { init: 'random', seed: 4, iterations: 100 });
    const d = await tsne(x, { init: 'random', seed: 3, iterations: 100 });
    assert.notDeepEqual(Array.from(c.embedding), Array.from(d.embedding));
  });

  it('gives the same embedding on one thread as on three, with Barnes-Hut and FFT', async () => {
    // Above the sizes from which the optimizer (1,000 points) and the FFT grids (5,000) use threads.
    for (const [method, points] of [['barnes-hut', 120], ['fft', 520]] as const) {
      const { x } = blobs(points, 10, 6, 21);
      const one = await tsne(x, { method, seed: 2, iterations: 60, threads: 1 });
      const three = await tsne(x, { method, seed: 2, iterations: 60, threads: 3 });
      assert.equal(one.kl, three.kl, method);
      assert.deepEqual(Array.from(one.embedding), Array.from(three.embedding), method);
    }
  });

  it('reports the KL every 50 iterations and stops between iterations when aborted', async () => {
    const { x } = blobs(20, 3, 4, 10);
    const seen: number[] = [];
    const result = await tsne(x, { perplexity: 5, iterations: 120, onProgress: (p) => void (p.phase === 'optimization' && seen.push(p.iteration)) });
    assert.deepEqual(seen, [50, 100, 120]);
    assert.deepEqual(result.history.map((h) => h.iteration), [50, 100, 120]);
    const controller = new AbortController();
    const run = tsne(x, { perplexity: 5, iterations: 100_000, signal: controller.signal, onProgress: (p) => void (p.iteration >= 100 && controller.abort(new Error('cancelled'))) });
    await assert.rejects(run, /cancelled/);
  });

  it('handles constant columns and refuses NaN, too few rows and too large a perplexity', async () => {
    const { x } = blobs(20, 3, 4, 11);
    for (let i = 0; i < x.rows; i++) x.data[i * 4 + 2] = 7;
    const fit = await tsne(x, { perplexity: 5, iterations: 60 });
    assert.ok(fit.embedding.every(Number.isFinite));
    x.data[5 * 4 + 1] = NaN;
    await assert.rejects(tsne(x, { perplexity: 5 }), (e: unknown) => e instanceof InvalidInputError && e.row === 6 && e.column === 2);
    await assert.rejects(tsne({ rows: 3, cols: 2, data: new Float64Array(6) }), (e: unknown) => e instanceof InvalidInputError && /at least 4 rows/.test(e.message));
    await assert.rejects(
      tsne({ rows: 31, cols: 2, data: new Float64Array(62) }, { perplexity: 10 }),
      (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'perplexity' && /below \(n - 1\) \/ 3 = 10/.test(e.message),
    );
  });
});

describe('t-SNE with an accelerator', () => {
  it('hands it the distance matrix and the gradient for the exact method, and gives what the CPU path gives', async () => {
    const { x } = blobs(20, 3, 4, 14);
    const accelerator = referenceAccelerator();
    const cpu = await tsne(x, { method: 'exact', perplexity: 5, iterations: 120 });
    const tensor = await tsne(x, { method: 'exact', perplexity: 5, iterations: 120, accelerator });
    assert.deepEqual(accelerator.calls, ['squaredDistances', 'gradient dense', 'dispose']);
    assert.deepEqual(Array.from(tensor.embedding), Array.from(cpu.embedding));
    assert.equal(tensor.kl, cpu.kl);
    assert.deepEqual([cpu.path, cpu.accelerator, cpu.repulsion], ['cpu', undefined, 'exact']);
    assert.deepEqual([tensor.path, tensor.accelerator, tensor.repulsion], ['tensor', 'reference', 'exact']);
  });

  it('hands it the 3·perplexity + 1 neighbour search and sparse P for the other methods, whose repulsion it makes exact', async () => {
    const { x } = blobs(20, 3, 4, 15);
    for (const method of ['barnes-hut', 'fft'] as const) {
      const accelerator = referenceAccelerator();
      const fit = await tsne(x, { method, perplexity: 5, iterations: 60, accelerator });
      assert.deepEqual(accelerator.calls, ['neighbours k=16', 'gradient sparse', 'dispose']);
      assert.deepEqual([fit.method, fit.path, fit.repulsion], [method, 'tensor', 'exact']);
      assert.equal((await tsne(x, { method, perplexity: 5, iterations: 60 })).repulsion, method);
    }
  });

  it('releases what the accelerator holds when the run is aborted', async () => {
    const { x } = blobs(20, 3, 4, 16);
    const accelerator = referenceAccelerator();
    const controller = new AbortController();
    const run = tsne(x, { perplexity: 5, iterations: 100_000, accelerator, signal: controller.signal, onProgress: (p) => void (p.iteration >= 50 && controller.abort(new Error('cancelled'))) });
    await assert.rejects(run, /cancelled/);
    assert.equal(accelerator.calls.at(-1), 'dispose');
  });
});

describe('parallel neighbour search', () => {
  it('finds exactly what the single-threaded search finds', async () => {
    const { x } = blobs(1000, 4, 5, 12);
    const one = exactNeighbours(x, 15);
    const two = await parallelNeighbours(x, 15, 2);
    assert.deepEqual(Array.from(two.distances), Array.from(one.distances));
    assert.deepEqual(Array.from(two.indices), Array.from(one.indices));
  });
});

describe('perplexity calibration', () => {
  it('reaches the target entropy on rows whose distances span many orders of magnitude', () => {
    const perplexity = 10;
    const rows = [
      Array.from({ length: 40 }, (_, t) => 1e-6 * (t + 1)),
      Array.from({ length: 40 }, (_, t) => 1e6 * (t + 1) ** 2),
      Array.from({ length: 40 }, (_, t) => (t < 5 ? 0 : 1e3 + t)),
      Array.from({ length: 40 }, (_, t) => Math.exp(t / 3)),
    ];
    for (const [r, d] of rows.entries()) {
      const out = new Float64Array(d.length);
      const entropy = calibrateRow(d, 0, d.length, perplexity, out, 0);
      assert.ok(Math.abs(entropy - Math.log(perplexity)) < 1e-6, `row ${r}: entropy ${entropy}`);
      assert.ok(Math.abs(out.reduce((a, b) => a + b, 0) - 1) < 1e-12, `row ${r} sums to 1`);
      for (let t = 1; t < d.length; t++) assert.ok(out[t] <= out[t - 1] + 1e-15 || d[t] <= d[t - 1], `row ${r}: nearer neighbours weigh more`);
    }
  });
});

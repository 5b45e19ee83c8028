import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exactNeighbours, normalSource, seededRandom, tsne, type TsneAffinities } from '@gpulab/compute';
import { initBackend } from '../backend';
import { tfjs } from '../tfjs';
import { TensorTsneAccelerator } from './tensor-tsne-accelerator';
import { blobs, denseAffinities, ExactRepulsion, relativeError, sparseAffinities, squaredDistanceMatrix, tsneGradient } from '@gpulab/compute/testing';
import { integerGrid, spreadEmbedding } from './testing/embeddings';

/** compute's own gradient (exact repulsion, float64): the reference. */
function cpuGradient(y: Float64Array, affinities: TsneAffinities, exaggeration: number): { grad: Float64Array; kl: number } {
  const n = y.length / 2;
  const grad = new Float64Array(2 * n);
  const kl =
    'sparse' in affinities
      ? tsneGradient(y, n, affinities.sparse, undefined, new ExactRepulsion(), exaggeration, grad, true)
      : tsneGradient(y, n, undefined, affinities.dense, new ExactRepulsion(), exaggeration, grad, true);
  return { grad, kl };
}

async function tensorGradient(accelerator: TensorTsneAccelerator, y: Float64Array, affinities: TsneAffinities, exaggeration: number): Promise<{ grad: Float64Array; kl: number }> {
  const gradient = accelerator.gradient(affinities);
  try {
    const grad = new Float64Array(y.length);
    const kl = await gradient.compute(y, exaggeration, grad, true);
    return { grad, kl };
  } finally {
    gradient.dispose();
  }
}

/** Embeddings as the optimization meets them: just initialized (1e-4), early, spread out. */
function embeddings(n: number): Float64Array[] {
  const normal = normalSource(seededRandom(21));
  return [Float64Array.from({ length: 2 * n }, () => normal() * 1e-4), spreadEmbedding(n, 3, 22), spreadEmbedding(n, 40, 23)];
}

describe('the tensor path of t-SNE on TensorFlow.js', () => {
  const accelerator = new TensorTsneAccelerator({ backend: 'cpu' });

  before(async () => {
    await initBackend('cpu');
  });

  it("finds each point's k nearest neighbours as exactNeighbours does, with float64 distances", async () => {
    const { x } = blobs(40, 10, 10, 1);
    const k = 31;
    const cpu = exactNeighbours(x, k);
    const tensor = await accelerator.neighbours(x, k);
    assert.equal(tensor.n, x.rows);
    assert.equal(tensor.k, k);
    for (let i = 0; i < x.rows; i++) {
      for (let t = 0; t < k; t++) {
        const e = i * k + t;
        assert.notEqual(tensor.indices[e], i, `point ${i} lists itself`);
        assert.ok(Math.abs(tensor.distances[e] - cpu.distances[e]) <= 1e-9 * cpu.distances[e], `point ${i}, neighbour ${t}: ${tensor.distances[e]} vs ${cpu.distances[e]}`);
        const tied = (t > 0 && Math.abs(cpu.distances[e] - cpu.distances[e - 1]) < 1e-9 * cpu.distances[e]) || (t < k - 1 && Math.abs(cpu.distances[e + 1] - cpu.distances[e]) < 1e-9 * cpu.distances[e]);
        if (!tied) assert.equal(tensor.indices[e], cpu.indices[e], `point ${i}, neighbour ${t}`);
      }
    }
  });

  it('breaks ties by the lower index and lists duplicates of a point at distance 0, never the point itself', async () => {
    // 200 rows over 3^4 = 81 possible values: every row has duplicates, and most distances tie.
    const x = integerGrid(200, 4, 3, 2);
    const n = x.rows;
    const k = 12;
    const d = squaredDistanceMatrix(x.data, n, x.cols);
    const tensor = await accelerator.neighbours(x, k);
    assert.deepEqual(Array.from(tensor.distances), Array.from(exactNeighbours(x, k).distances));
    for (let i = 0; i < n; i++) {
      const expected = Array.from({ length: n }, (_, j) => j)
        .filter((j) => j !== i)
        .sort((a, b) => d[i * n + a] - d[i * n + b] || a - b)
        .slice(0, k);
      assert.deepEqual(Array.from(tensor.indices.subarray(i * k, (i + 1) * k)), expected, `point ${i}`);
    }
    assert.ok(tensor.distances.some((v) => v === 0));
  });

  it('refuses k that leaves no point to spare', async () => {
    const { x } = blobs(5, 2, 3, 3);
    await assert.rejects(accelerator.neighbours(x, 10), RangeError);
    await assert.rejects(accelerator.neighbours(x, 0), RangeError);
  });

  it('computes the squared distance matrix within float32 rounding, symmetric with a zero diagonal', async () => {
    const { x } = blobs(30, 5, 8, 4);
    const n = x.rows;
    const cpu = squaredDistanceMatrix(x.data, n, x.cols);
    const tensor = await accelerator.squaredDistances(x);
    assert.ok(relativeError(tensor, cpu) < 1e-6, `relative error ${relativeError(tensor, cpu)}`);
    for (let i = 0; i < n; i++) {
      assert.equal(tensor[i * n + i], 0);
      for (let j = 0; j < i; j++) assert.equal(tensor[i * n + j], tensor[j * n + i]);
    }
  });

  it("gives compute's exact gradient and KL for sparse P within 1e-4, with and without exaggeration", async () => {
    const { x } = blobs(30, 10, 6, 5);
    const p: TsneAffinities = { sparse: sparseAffinities(exactNeighbours(x, 31), 10) };
    for (const y of embeddings(x.rows)) {
      for (const exaggeration of [12, 1]) {
        const cpu = cpuGradient(y, p, exaggeration);
        const tensor = await tensorGradient(accelerator, y, p, exaggeration);
        assert.ok(relativeError(tensor.grad, cpu.grad) < 1e-4, `gradient error ${relativeError(tensor.grad, cpu.grad)}`);
        assert.ok(Math.abs(tensor.kl / cpu.kl - 1) < 1e-4, `KL ${tensor.kl} vs ${cpu.kl}`);
      }
    }
  });

  it("gives compute's exact gradient and KL for dense P within 1e-4", async () => {
    const { x } = blobs(20, 10, 6, 6);
    const n = x.rows;
    const p: TsneAffinities = { dense: denseAffinities(squaredDistanceMatrix(x.data, n, x.cols), n, 15), n };
    for (const y of embeddings(n)) {
      const cpu = cpuGradient(y, p, 4);
      const tensor = await tensorGradient(accelerator, y, p, 4);
      assert.ok(relativeError(tensor.grad, cpu.grad) < 1e-4, `gradient error ${relativeError(tensor.grad, cpu.grad)}`);
      assert.ok(Math.abs(tensor.kl / cpu.kl - 1) < 1e-4, `KL ${tensor.kl} vs ${cpu.kl}`);
    }
  });

  it('gives the same neighbours, distances and gradient when the rows go through in many small blocks', async () => {
    const { x } = blobs(25, 10, 6, 7);
    const n = x.rows;
    const small = new TensorTsneAccelerator({ backend: 'cpu', blockElements: 7 * n });
    const [a, b] = [await accelerator.neighbours(x, 20), await small.neighbours(x, 20)];
    assert.deepEqual(Array.from(b.indices), Array.from(a.indices));
    assert.ok(relativeError(await small.squaredDistances(x), await accelerator.squaredDistances(x)) < 1e-7);
    const y = spreadEmbedding(n, 10, 8);
    for (const p of [{ sparse: sparseAffinities(a, 6) }, { dense: denseAffinities(squaredDistanceMatrix(x.data, n, x.cols), n, 6), n }]) {
      const whole = await tensorGradient(accelerator, y, p, 1);
      const blocked = await tensorGradient(small, y, p, 1);
      assert.ok(relativeError(blocked.grad, whole.grad) < 1e-6, `${'sparse' in p ? 'sparse' : 'dense'}: ${relativeError(blocked.grad, whole.grad)}`);
    }
  });

  it('leaves no tensor behind, and its gradient may be disposed twice but not used after', async () => {
    const tf = tfjs();
    const { x } = blobs(20, 5, 6, 9);
    const before = tf.memory().numTensors;
    const neighbours = await accelerator.neighbours(x, 15);
    await accelerator.squaredDistances(x);
    const gradient = accelerator.gradient({ sparse: sparseAffinities(neighbours, 5) });
    const grad = new Float64Array(2 * x.rows);
    await gradient.compute(spreadEmbedding(x.rows, 5, 10), 1, grad, true);
    await gradient.compute(spreadEmbedding(x.rows, 5, 10), 1, grad, false);
    gradient.dispose();
    gradient.dispose();
    assert.equal(tf.memory().numTensors, before);
    await assert.rejects(gradient.compute(spreadEmbedding(x.rows, 5, 10), 1, grad, false), /disposed/);
  });

  it('runs a whole t-SNE of 300 points (the exact method) to a KL within 3% of the CPU run', async () => {
    const { x } = blobs(30, 10, 10, 11);
    const options = { perplexity: 20, iterations: 300 };
    const cpu = await tsne(x, options);
    const tensor = await tsne(x, { ...options, accelerator });
    assert.deepEqual([tensor.method, tensor.path, tensor.accelerator, tensor.repulsion], ['exact', 'tensor', 'cpu', 'exact']);
    console.log(`t-SNE of 300 points, exact method: KL ${cpu.kl.toFixed(4)} on the CPU, ${tensor.kl.toFixed(4)} on the tensor path (tfjs cpu backend)`);
    assert.ok(Math.abs(tensor.kl / cpu.kl - 1) < 0.03, `KL ${tensor.kl} on the tensor path, ${cpu.kl} on the CPU`);
  });

  it("runs a whole t-SNE with Barnes-Hut's sparse P to a KL no more than 3% above the Barnes-Hut run's", async () => {
    // The tensor path's repulsion and KL are exact where Barnes-Hut's are estimates, so its KL
    // is compared one way only.
    const { x } = blobs(15, 10, 10, 12);
    const options = { method: 'barnes-hut' as const, perplexity: 10, iterations: 300 };
    const cpu = await tsne(x, options);
    const tensor = await tsne(x, { ...options, accelerator });
    assert.deepEqual([tensor.method, tensor.path, tensor.repulsion], ['barnes-hut', 'tensor', 'exact']);
    console.log(`t-SNE of 150 points, Barnes-Hut's P: KL ${cpu.kl.toFixed(4)} with Barnes-Hut, ${tensor.kl.toFixed(4)} on the tensor path (exact repulsion)`);
    assert.ok(tensor.kl < cpu.kl * 1.03, `KL ${tensor.kl} on the tensor path, ${cpu.kl} with Barnes-Hut`);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { InvalidParameterError, type JobContext, type Matrix, seededRandom, tsneKind } from '@gpulab/compute';
import { findJobKind, listJobKinds } from './job-kinds';

/** rows × cols, uniform in [0, 1): enough for a t-SNE run of a few iterations. */
function randomRows(rows: number, cols: number, seed: number): Matrix {
  const next = seededRandom(seed);
  return { rows, cols, data: Float64Array.from({ length: rows * cols }, next) };
}

describe('the job-kind registry', () => {
  it("holds the compute kinds and the neural-network kinds, each once", () => {
    const names = listJobKinds().map((k) => k.name);
    for (const name of ['pca', 'tsne', 'train-classifier']) assert.ok(names.includes(name), name);
    assert.equal(new Set(names).size, names.length);
  });

  it('finds a kind by name, and refuses an unknown one listing every known kind', () => {
    assert.equal(findJobKind('train-classifier').name, 'train-classifier');
    assert.equal(typeof findJobKind('train-classifier').initBackend, 'function');
    assert.equal(findJobKind('pca').initBackend, undefined);
    assert.throws(() => findJobKind('mystery'), (e: unknown) => e instanceof InvalidParameterError && /no job kind "mystery"; known kinds: pca, tsne, train-classifier/.test(e.message));
  });

  it('checks parameters without loading TensorFlow.js, as the gateway does', () => {
    const script = `
      const { findJobKind } = require(${JSON.stringify(require.resolve('./index'))});
      findJobKind('train-classifier').prepare({ epochs: 2 }, { rows: 100, cols: 784, labeled: true });
      findJobKind('tsne').prepare({ path: 'tensor' }, { rows: 1000, cols: 784 });
      const loaded = Object.keys(require.cache).filter((f) => f.includes('@tensorflow'));
      process.stdout.write(JSON.stringify(loaded));
    `;
    assert.deepEqual(JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })), []);
  });

  it('holds the tsne kind with the tensor path, which readies TensorFlow.js only when a job takes it', async () => {
    const tsne = findJobKind('tsne');
    assert.equal(tsne.initBackend, undefined);
    const input = randomRows(40, 5, 1);
    const context: JobContext = {
      params: tsne.prepare({ perplexity: 5, iterations: 60, path: 'tensor' }, input),
      input,
      progress: async () => {},
      log: async () => {},
      signal: new AbortController().signal,
      checkpoint: { load: async () => undefined, save: async () => {} },
      jobFiles: { read: async () => undefined },
      artifacts: { read: async () => undefined },
    };
    // compute's own tsne kind refuses path=tensor; the registry's runs it on the best backend here.
    await assert.rejects(tsneKind.run(context), (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'path' && /needs TensorFlow.js/.test(e.message));
    const out = await tsne.run(context);
    assert.match(String(out.result.path), /^tensor \((tensorflow-gpu|tensorflow|wasm|cpu)\)$/);
    assert.equal(out.result.path, `tensor (${out.backend})`);
  });
});

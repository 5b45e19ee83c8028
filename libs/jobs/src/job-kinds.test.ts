import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { InvalidParameterError, type JobContext, type Matrix, prepareParams, seededRandom, tsneKind } from '@gpulab/compute';
import { acceleratedTsneKind } from '@gpulab/neural';
import { TransientJobError } from './errors';
import { findJobKind, listJobKinds, NEURAL_ACCELERATED_KINDS } from './job-kinds';

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
    assert.throws(() => findJobKind('mystery'), (e: unknown) => e instanceof InvalidParameterError && /no job kind "mystery"; known kinds: pca, tsne, train-classifier.*, noop, flaky$/.test(e.message));
  });

  it('checks parameters without loading TensorFlow.js, as the gateway does', () => {
    const script = `
      const { findJobKind } = require(${JSON.stringify(require.resolve('./index'))});
      findJobKind('train-classifier').compile({ epochs: 2 }, { rows: 100, cols: 784, labeled: true });
      findJobKind('tsne').compile({ path: 'tensor' }, { rows: 1000, cols: 784 });
      const loaded = Object.keys(require.cache).filter((f) => f.includes('@tensorflow'));
      process.stdout.write(JSON.stringify(loaded));
    `;
    assert.deepEqual(JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })), []);
  });

  it('holds the tsne kind with the tensor path, which readies TensorFlow.js only when a job takes it', async () => {
    const tsne = findJobKind('tsne');
    assert.equal(tsne.initBackend, undefined);
    const input = randomRows(40, 5, 1);
    const params = tsne.compile({ perplexity: 5, iterations: 60, path: 'tensor' }, input);
    const context: JobContext = {
      input,
      progress: async () => {},
      log: async () => {},
      signal: new AbortController().signal,
      checkpoint: { load: async () => undefined, save: async () => {} },
      jobFiles: { read: async () => undefined },
      artifacts: { read: async () => undefined },
    };
    // compute's own tsne kind refuses path=tensor; the registry's runs it on the best backend here.
    await assert.rejects(tsneKind.run(context, tsneKind.compile({ perplexity: 5, iterations: 60, path: 'tensor' }, input)), (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'path' && /needs TensorFlow.js/.test(e.message));
    const out = await tsne.run(context, params);
    assert.match(String(out.result.path), /^tensor \((tensorflow-gpu|tensorflow|wasm|cpu)\)$/);
    assert.equal(out.result.path, `tensor (${out.backend})`);
  });

  it('loads only the package of the kind a worker runs: a test kind neither compute nor neural, pca compute but not neural', () => {
    const loaded = (kind: string) => {
      const script = `
        const { loadJobKind } = require(${JSON.stringify(require.resolve('./index'))});
        loadJobKind(${JSON.stringify(kind)});
        const libs = (lib) => Object.keys(require.cache).some((f) => f.includes('/libs/' + lib + '/') || f.includes('@gpulab/' + lib + '/'));
        process.stdout.write(JSON.stringify({ compute: libs('compute'), neural: libs('neural'), tf: Object.keys(require.cache).some((f) => f.includes('@tensorflow')) }));
      `;
      return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as { compute: boolean; neural: boolean; tf: boolean };
    };
    assert.deepEqual(loaded('noop'), { compute: false, neural: false, tf: false });
    assert.deepEqual(loaded('flaky'), { compute: false, neural: false, tf: false });
    assert.deepEqual(loaded('pca'), { compute: true, neural: false, tf: false });
    assert.deepEqual(loaded('tsne'), { compute: true, neural: true, tf: false });
  });

  it("names every compute kind neural accelerates, so loadJobKind gives a worker the accelerated one", () => {
    assert.deepEqual(NEURAL_ACCELERATED_KINDS, [acceleratedTsneKind.name]);
  });
});

describe('the test kinds', () => {
  const context = (attempt: number): JobContext => ({
    attempt,
    progress: async () => {},
    log: async () => {},
    signal: new AbortController().signal,
    checkpoint: { load: async () => undefined, save: async () => {} },
    jobFiles: { read: async () => undefined },
    artifacts: { read: async () => undefined },
  });

  it('are for tutors only and take no input', () => {
    for (const name of ['noop', 'flaky']) {
      const kind = findJobKind(name);
      assert.equal(kind.tutorsOnly, true, name);
      assert.equal(kind.input, 'none', name);
    }
    assert.equal(findJobKind('pca').tutorsOnly, undefined);
  });

  it('noop ends at once with a tiny result and refuses parameters', async () => {
    const noop = findJobKind('noop');
    assert.deepEqual(prepareParams(noop, {}, undefined), {});
    assert.throws(() => prepareParams(noop, { seconds: 1 }, undefined), (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'seconds');
    assert.deepEqual((await noop.run(context(1), noop.compile({}, undefined))).result, { noop: true });
  });

  it('flaky fails transiently on its first failAttempts attempts, then succeeds', async () => {
    const flaky = findJobKind('flaky');
    const params = prepareParams(flaky, { failAttempts: '2' }, undefined);
    assert.deepEqual(params, { failAttempts: 2 });
    const compiled = flaky.compile(params, undefined);
    for (const attempt of [1, 2]) {
      await assert.rejects(flaky.run(context(attempt), compiled), (e: unknown) => e instanceof TransientJobError && e.retryable && new RegExp(`attempt ${attempt} fails on purpose`).test(e.message));
    }
    assert.deepEqual((await flaky.run(context(3), compiled)).result, { attempt: 3, failedAttempts: 2 });
    assert.deepEqual(prepareParams(flaky, {}, undefined), { failAttempts: 1 });
    assert.throws(() => prepareParams(flaky, { failAttempts: -1 }, undefined), (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'failAttempts');
  });
});

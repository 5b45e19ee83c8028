import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { InvalidParameterError, type Labels, type Matrix } from '@gpulab/compute';
import { initBackend, installedBackends } from '../backend';
import { testJobContext } from '../testing/job-context';
import { acceleratedTsneKind } from './accelerated-tsne-kind';
import { blobs } from '@gpulab/compute/testing';
import { TSNE_GPU_BACKENDS } from './tsne-path';

/** A job context as the worker gives one, recording the job's log. */
function context(input: Matrix, labels: Labels) {
  return testJobContext({ input, labels });
}

const noGpuBackend = !installedBackends().some((b) => TSNE_GPU_BACKENDS.includes(b));

describe('the t-SNE job kind with its tensor path', () => {
  const kind = acceleratedTsneKind;
  const { x, labels } = blobs(12, 5, 6, 1);
  const shape = { rows: x.rows, cols: x.cols, labeled: true };

  before(async () => {
    await initBackend('wasm');
  });

  it('takes path auto, cpu or tensor, auto by default, and refuses anything else naming the three', () => {
    assert.equal(kind.compile({ perplexity: 5 }, shape).path, 'auto');
    assert.equal(kind.compile({ perplexity: 5, path: 'tensor' }, shape).path, 'tensor');
    assert.throws(
      () => kind.compile({ perplexity: 5, path: 'gpu' }, shape),
      (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'path' && /path must be one of auto, cpu, tensor, not "gpu"/.test(e.message),
    );
  });

  it('with path=tensor runs on the active backend and reports it as path and backend', async () => {
    const p = kind.compile({ perplexity: 5, iterations: 100, path: 'tensor' }, shape);
    const { ctx, logs } = context(x, labels);
    const out = await kind.run(ctx, p);
    assert.equal(out.backend, 'wasm');
    assert.equal(out.result.path, 'tensor (wasm)');
    assert.equal(out.result.repulsion, 'exact');
    assert.ok(Number.isFinite(out.result.kl as number));
    assert.ok(logs.some((l) => /tensor ops on the wasm backend/.test(l)), logs.join('\n'));
    assert.ok(logs.some((l) => /not a GPU backend/.test(l)), logs.join('\n'));
  });

  it('with path=cpu runs in TypeScript as before, whatever backend is active', async () => {
    const p = kind.compile({ perplexity: 5, iterations: 100, path: 'cpu' }, shape);
    const { ctx } = context(x, labels);
    const out = await kind.run(ctx, p);
    assert.equal(out.backend, 'cpu');
    assert.equal(out.result.path, 'cpu');
    assert.equal(out.result.repulsion, 'exact');
  });

  it('with path=auto runs on the CPU when the active backend is not a GPU one, and says why', async () => {
    const p = kind.compile({ perplexity: 5, iterations: 60 }, shape);
    const { ctx, logs } = context(x, labels);
    const out = await kind.run(ctx, p);
    assert.equal(out.result.path, 'cpu');
    assert.ok(logs.some((l) => /path=auto: no GPU backend for TensorFlow.js here \(active: wasm\)/.test(l)), logs.join('\n'));
  });

  it('with path=auto and no GPU backend installed, never loads TensorFlow.js', { skip: !noGpuBackend && 'a GPU backend is installed here' }, () => {
    const script = `
      const { acceleratedTsneKind } = require(${JSON.stringify(require.resolve('./accelerated-tsne-kind'))});
      const { blobs } = require(${JSON.stringify(require.resolve('@gpulab/compute/testing'))});
      const { x } = blobs(10, 4, 4, 2);
      const logs = [];
      const kind = acceleratedTsneKind;
      const params = kind.compile({ perplexity: 5, iterations: 20 }, { rows: x.rows, cols: x.cols });
      const ctx = { input: x, progress: async () => {}, log: async (l, m) => void logs.push(m), signal: new AbortController().signal };
      kind.run(ctx, params).then((out) => {
        const loaded = Object.keys(require.cache).filter((f) => f.includes('@tensorflow'));
        process.stdout.write(JSON.stringify({ path: out.result.path, backend: out.backend, loaded, logs }));
      });
    `;
    const seen = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
    assert.deepEqual([seen.path, seen.backend, seen.loaded], ['cpu', 'cpu', []]);
    assert.ok(seen.logs.some((l: string) => /no GPU backend for TensorFlow.js here \(installed: .*wasm, cpu\)/.test(l)), seen.logs.join('\n'));
  });

  it('with path=tensor and a preferred backend that is not installed, fails the job naming the installed ones', { skip: !noGpuBackend && 'a GPU backend is installed here' }, () => {
    const script = `
      const { tensorTsneAccelerate } = require(${JSON.stringify(require.resolve('./accelerated-tsne-kind'))});
      tensorTsneAccelerate('tensor', async () => {}, 'tensorflow-gpu').then(
        () => process.stdout.write('{}'),
        (e) => process.stdout.write(JSON.stringify({ code: e.code, retryable: e.retryable, message: e.message })),
      );
    `;
    const seen = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
    assert.equal(seen.code, 'BACKEND_UNAVAILABLE');
    assert.equal(seen.retryable, false);
    assert.match(seen.message, /tensorflow-gpu backend is not installed.*installed: .*wasm, cpu/);
  });
});

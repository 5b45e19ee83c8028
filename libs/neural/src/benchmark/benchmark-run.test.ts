import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { testJobContext } from '../testing/job-context';
import { compileBenchmarkParams } from './benchmark-params';
import { runBenchmark } from './benchmark-run';
import { openInProcessEngine } from './in-process-engine';
import { type EngineOpener, openBenchmarkEngine } from './open-benchmark-engine';

/** Opens engines as a worker does, but `backend`'s runs out of memory on its first batch, as wasm's heap does. */
function exhaustingMemoryOf(backend: string): EngineOpener {
  return async (name, spec, threads) => {
    const engine = await openBenchmarkEngine(name, spec, threads);
    if (name !== backend) return engine;
    return { ...engine, forward: async () => Promise.reject(new RangeError('Array buffer allocation failed')) };
  };
}

describe('a benchmark row', () => {
  it('that runs out of memory fails with a message naming the backend and batch size, and the other rows still run', async () => {
    const { ctx, logs } = testJobContext({});
    const p = compileBenchmarkParams({ model: 'course-cnn', images: '4', batchSize: '4', inputSize: '32', backends: 'wasm,cpu', wasmThreads: '1' });
    const { result } = await runBenchmark(p, ctx, exhaustingMemoryOf('wasm'));
    const [wasm, cpu] = result.rows as Record<string, unknown>[];
    assert.equal(wasm.backend, 'wasm');
    assert.match(wasm.error as string, /^out of memory on wasm at batch size 4: try a smaller batchSize or inputSize \(Array buffer allocation failed\)$/);
    assert.equal(cpu.backend, 'cpu');
    assert.equal(cpu.error, undefined);
    assert.ok((cpu.imagesPerSecond as number) > 0);
    assert.ok(logs.some((line) => /^warn: wasm: out of memory on wasm at batch size 4/.test(line)));
  });

  it("reports the model's FLOPs per image, the GFLOP/s reached and their share of the backend's matMul rate", async () => {
    const { ctx } = testJobContext({});
    const p = compileBenchmarkParams({ model: 'course-cnn', images: '8', batchSize: '4', inputSize: '32', backends: 'wasm', wasmThreads: '1' });
    const { result } = await runBenchmark(p, ctx);
    const [row] = result.rows as Record<string, number & Record<string, number>>[];
    const engine = await openInProcessEngine('wasm', { model: 'course-cnn', inputSize: 32, seed: 0, pool: new Float32Array(32 * 32 * 3) });
    await engine.close();
    assert.equal(row.flopsPerImage, engine.flopsPerImage);
    assert.ok(Math.abs(row.gflopsPerSecond - (row.flopsPerImage * row.imagesPerSecond) / 1e9) / row.gflopsPerSecond < 0.02);
    assert.ok(row.matMulGflopsPerSecond > 0);
    assert.equal(row.matMulSide, 1024);
    assert.ok(Math.abs(row.shareOfPeak - row.gflopsPerSecond / row.matMulGflopsPerSecond) < 0.002);
    assert.ok(row.overheadMs.matMul > 0, 'the matMul is timed outside the batches');
    assert.equal(row.threads, 1);
  });

  it('on wasm with two threads splits every batch between two backends and still gives every image its features', async () => {
    const { ctx } = testJobContext({});
    const p = compileBenchmarkParams({ model: 'course-cnn', images: '10', batchSize: '4', inputSize: '32', backends: 'wasm', wasmThreads: '2' });
    const { result } = await runBenchmark(p, ctx);
    const [row] = result.rows as Record<string, unknown>[];
    assert.equal(row.error, undefined, String(row.error));
    assert.equal(row.threads, 2);
    assert.equal(row.batches, 3);
    assert.deepEqual(row.featureShape, [10, 256]);
    assert.match(row.device as string, /^cpu: .*, \d+ cores, 2 worker threads × 1 wasm thread$/);
  });
});

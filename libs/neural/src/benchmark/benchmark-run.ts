import { cpus } from 'node:os';
import { type JobContext, type JobOutput } from '@gpulab/compute';
import { activeBackend, type BackendName, installedBackends } from '../backend';
import { BenchmarkFailedError } from '../errors';
import { tfjs } from '../tfjs';
import { type BenchmarkEngine } from './benchmark-engine';
import { type BenchmarkParams } from './benchmark-params';
import { SOURCE_SIZE, syntheticImages } from './forward-pass';
import { gpuName } from './gpu-name';
import { type EngineOpener, openBenchmarkEngine } from './open-benchmark-engine';

/** Time outside the timed batches, in ms. */
export interface BenchmarkOverheadMs {
  backendInit: number;
  modelBuild: number;
  warmUp: number;
}

/** A row's overhead: the result's, and the matMul that measured the backend's peak. */
export interface BenchmarkRowOverheadMs extends BenchmarkOverheadMs {
  matMul: number;
}

/** One backend's row: its figures, or why it has none. */
export type BenchmarkRow =
  | {
      backend: BackendName;
      backendVersion: string;
      device: string;
      tfjsVersion: string;
      nodeVersion: string;
      /** Threads that shared each batch, each with its own backend and model (wasm); else 1. */
      threads: number;
      batchSize: number;
      inputSize: number;
      images: number;
      batches: number;
      secondsPer1000Images: number;
      imagesPerSecond: number;
      /** FLOPs of one image's forward pass, counted from the model's layers (2 per multiply-add). */
      flopsPerImage: number;
      /** FLOPs of the timed images over the timed time. */
      gflopsPerSecond: number;
      /** The backend's rate on a square matMul, on all the row's threads at once: its peak here. */
      matMulGflopsPerSecond: number;
      /** The side of that square matMul: 1024, or less where a product of 1024 takes seconds (cpu). */
      matMulSide: number;
      /** gflopsPerSecond / matMulGflopsPerSecond: how much of that peak the network reached. */
      shareOfPeak: number;
      batchMs: { p50: number; p95: number };
      timedMs: number;
      featureShape: number[];
      overheadMs: BenchmarkRowOverheadMs;
    }
  | { backend: BackendName; error: string };

const OVERHEADS = ['backendInit', 'modelBuild', 'warmUp'] as const satisfies readonly (keyof BenchmarkOverheadMs)[];

/**
 * One `benchmark` job: for each backend in turn, open its engine (start the backend, build the
 * model), time a square matMul for the backend's peak, run one warm-up batch, then time
 * `images` synthetic CIFAR-sized images in batches (resize to `inputSize` and the forward pass,
 * read back). A backend that fails (not installed, out of memory) leaves an `error` in its row;
 * the job fails only when no row ran. `openEngine` is a seam for tests.
 */
export async function runBenchmark(p: BenchmarkParams, context: JobContext, openEngine: EngineOpener = openBenchmarkEngine): Promise<JobOutput> {
  const { progress, log, signal } = context;
  const backends = p.backends.length > 0 ? p.backends : installedBackends();
  const batches = Math.ceil(p.images / p.batchSize);
  const pool = syntheticImages(Math.min(p.batchSize, p.images), p.seed);
  const rows: BenchmarkRow[] = [];
  for (const [index, backend] of backends.entries()) {
    signal.throwIfAborted();
    const step = (batch: number, message: string) => progress(Math.min(0.99, (index + batch / batches) / backends.length), `${backend}: ${message}`);
    try {
      rows.push(await benchmarkBackend(backend, p, pool, batches, signal, step, openEngine));
    } catch (error) {
      if (signal.aborted) throw error;
      const row = { backend, error: rowError(error, backend, p.batchSize) };
      await log('warn', `${backend}: ${row.error}`);
      rows.push(row);
    }
  }
  const ran = rows.filter((row) => !('error' in row));
  if (ran.length === 0) throw new BenchmarkFailedError(rows.map((row) => `${row.backend}: ${'error' in row ? row.error : ''}`).join('; '));
  const first = ran[0] as Extract<BenchmarkRow, { images: number }>;
  const total = (key: keyof BenchmarkOverheadMs) => ran.reduce((sum, row) => sum + ('overheadMs' in row ? row.overheadMs[key] : 0), 0);
  await progress(1, 'done');
  return {
    backend: activeBackend()?.name ?? first.backend,
    result: {
      model: p.model,
      inputSource: 'synthetic',
      inputNote: `seeded synthetic ${SOURCE_SIZE}x${SOURCE_SIZE}x3 images (CIFAR-10's size), resized to ${p.inputSize}x${p.inputSize} inside the timed graph`,
      peakNote: "shareOfPeak: the network's GFLOP/s over the backend's on a square matMul of matMulSide (timed before the row, on the row's threads, outside its timed part)",
      images: p.images,
      batchSize: p.batchSize,
      inputSize: p.inputSize,
      featureShape: [p.images, first.featureShape[1]],
      rows,
      overheadMs: Object.fromEntries(OVERHEADS.map((key) => [key, total(key)])),
    },
  };
}

async function benchmarkBackend(
  name: BackendName,
  p: BenchmarkParams,
  pool: Float32Array,
  batches: number,
  signal: AbortSignal,
  step: (batch: number, message: string) => Promise<void>,
  openEngine: EngineOpener,
): Promise<BenchmarkRow> {
  const engine = await openEngine(name, { model: p.model, inputSize: p.inputSize, seed: p.seed, pool }, p.wasmThreads);
  try {
    const { backendInit, modelBuild } = engine.setupMs;
    let mark = performance.now();
    const lap = () => {
      const now = performance.now();
      const ms = now - mark;
      mark = now;
      return ms;
    };
    await step(0, `measuring the backend's matMul rate (model built in ${Math.round(modelBuild)} ms)`);
    const { gflopsPerSecond: matMulGflopsPerSecond, side: matMulSide } = await engine.matMulRate();
    const matMul = lap();
    await step(0, `warming up (matMul ${matMulGflopsPerSecond.toFixed(1)} GFLOP/s)`);
    await engine.forward(Math.min(p.batchSize, p.images));
    const warmUp = lap();
    const batchMs: number[] = [];
    let featureShape: number[] = [];
    for (let batch = 0; batch < batches; batch++) {
      signal.throwIfAborted();
      const count = Math.min(p.batchSize, p.images - batch * p.batchSize);
      const started = performance.now();
      featureShape = await engine.forward(count);
      batchMs.push(performance.now() - started);
      await step(batch + 1, `batch ${batch + 1}/${batches}: ${Math.round(batchMs[batch])} ms, ${Math.round((1000 * count) / batchMs[batch])} images/s`);
    }
    const timedMs = batchMs.reduce((a, b) => a + b, 0);
    const gflopsPerSecond = (engine.flopsPerImage * p.images) / (timedMs * 1e6);
    return {
      backend: name,
      backendVersion: engine.backend.version,
      device: deviceOf(engine),
      tfjsVersion: tfjs().version.tfjs,
      nodeVersion: process.versions.node,
      threads: engine.threads,
      batchSize: p.batchSize,
      inputSize: p.inputSize,
      images: p.images,
      batches,
      secondsPer1000Images: round(timedMs / p.images, 4),
      imagesPerSecond: round((1000 * p.images) / timedMs, 2),
      flopsPerImage: engine.flopsPerImage,
      gflopsPerSecond: round(gflopsPerSecond, 2),
      matMulGflopsPerSecond: round(matMulGflopsPerSecond, 2),
      matMulSide,
      shareOfPeak: round(gflopsPerSecond / matMulGflopsPerSecond, 3),
      batchMs: { p50: round(percentile(batchMs, 0.5), 2), p95: round(percentile(batchMs, 0.95), 2) },
      timedMs: round(timedMs, 1),
      featureShape: [p.images, ...featureShape.slice(1)],
      overheadMs: { backendInit: Math.round(backendInit), modelBuild: Math.round(modelBuild), warmUp: Math.round(warmUp), matMul: Math.round(matMul) },
    };
  } finally {
    await engine.close();
  }
}

/** The device a row ran on: the CPU's model and cores, or the GPU by name. */
function deviceOf(engine: BenchmarkEngine): string {
  const { backend } = engine;
  if (backend.name === 'tensorflow-gpu') return gpuName();
  const cores = cpus();
  const wasmThreads = backend.threads !== undefined ? `${backend.threads} wasm thread${backend.threads === 1 ? '' : 's'}` : '';
  const threads = engine.threads > 1 ? `, ${engine.threads} worker threads × ${wasmThreads || '1 thread'}` : wasmThreads ? `, ${wasmThreads}` : '';
  return `cpu: ${cores[0]?.model.trim() ?? 'unknown'}, ${cores.length} cores${threads}`;
}

/** A row's error for people; running out of memory says what to lower. */
function rowError(error: unknown, backend: BackendName, batchSize: number): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/out of memory|OOM|allocat|memory access out of bounds|Array buffer allocation|Cannot enlarge memory|memory limit/i.test(message)) {
    return `out of memory on ${backend} at batch size ${batchSize}: try a smaller batchSize or inputSize (${message})`;
  }
  return message;
}

function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

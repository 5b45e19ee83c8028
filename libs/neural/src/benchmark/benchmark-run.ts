import { cpus } from 'node:os';
import { type JobContext, type JobOutput, seededRandom } from '@gpulab/compute';
import { activeBackend, type BackendInfo, type BackendName, initBackend, installedBackends } from '../backend';
import { BenchmarkFailedError } from '../errors';
import { tfjs } from '../tfjs';
import { buildBenchmarkModel } from './benchmark-models';
import { type BenchmarkParams } from './benchmark-params';

/** The synthetic images' side: CIFAR-10's 32 × 32 × 3. */
export const SOURCE_SIZE = 32;

/** Time outside the timed batches, in ms. */
export interface BenchmarkOverheadMs {
  backendInit: number;
  modelBuild: number;
  warmUp: number;
}

/** One backend's row: its figures, or why it has none. */
export type BenchmarkRow =
  | {
      backend: BackendName;
      backendVersion: string;
      device: string;
      tfjsVersion: string;
      nodeVersion: string;
      batchSize: number;
      inputSize: number;
      images: number;
      batches: number;
      secondsPer1000Images: number;
      imagesPerSecond: number;
      batchMs: { p50: number; p95: number };
      timedMs: number;
      featureShape: number[];
      overheadMs: BenchmarkOverheadMs;
    }
  | { backend: BackendName; error: string };

/**
 * One `benchmark` job: for each backend in turn, build the model, run one warm-up batch, then
 * time `images` synthetic CIFAR-sized images in batches (resize to `inputSize` and the forward
 * pass, read back). A backend that fails (not installed, out of memory) leaves an `error` in its
 * row; the job fails only when no row ran.
 */
export async function runBenchmark(p: BenchmarkParams, context: JobContext): Promise<JobOutput> {
  const { progress, log, signal } = context;
  const backends = p.backends.length > 0 ? p.backends : installedBackends();
  const batches = Math.ceil(p.images / p.batchSize);
  const pool = syntheticImages(Math.min(p.batchSize, p.images), p.seed);
  const rows: BenchmarkRow[] = [];
  for (const [index, backend] of backends.entries()) {
    signal.throwIfAborted();
    const step = (batch: number, message: string) => progress(Math.min(0.99, (index + batch / batches) / backends.length), `${backend}: ${message}`);
    try {
      rows.push(await benchmarkBackend(backend, p, pool, batches, signal, step));
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
      images: p.images,
      batchSize: p.batchSize,
      inputSize: p.inputSize,
      featureShape: [p.images, first.featureShape[1]],
      rows,
      overheadMs: { backendInit: total('backendInit'), modelBuild: total('modelBuild'), warmUp: total('warmUp') },
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
): Promise<BenchmarkRow> {
  const tf = tfjs();
  let mark = performance.now();
  const lap = () => {
    const now = performance.now();
    const ms = now - mark;
    mark = now;
    return ms;
  };
  const backend = await initBackend(name);
  const backendInit = lap();
  const model = buildBenchmarkModel(p.model, p.inputSize, p.seed);
  try {
    const modelBuild = lap();
    const forward = (count: number): number[] => {
      const out = tf.tidy(() => {
        const x = tf.tensor4d(pool.subarray(0, count * SOURCE_SIZE * SOURCE_SIZE * 3), [count, SOURCE_SIZE, SOURCE_SIZE, 3]);
        return model.predict(tf.image.resizeBilinear(x, [p.inputSize, p.inputSize])) as ReturnType<typeof tf.zeros>;
      });
      // Reading the features back waits for the backend to finish, which is what is timed.
      out.dataSync();
      const shape = out.shape;
      out.dispose();
      return shape;
    };
    await step(0, `warming up (model built in ${Math.round(modelBuild)} ms)`);
    forward(Math.min(p.batchSize, p.images));
    const warmUp = lap();
    const batchMs: number[] = [];
    let featureShape: number[] = [];
    for (let batch = 0; batch < batches; batch++) {
      signal.throwIfAborted();
      const count = Math.min(p.batchSize, p.images - batch * p.batchSize);
      const started = performance.now();
      featureShape = forward(count);
      batchMs.push(performance.now() - started);
      await step(batch + 1, `batch ${batch + 1}/${batches}: ${Math.round(batchMs[batch])} ms, ${Math.round((1000 * count) / batchMs[batch])} images/s`);
    }
    const timedMs = batchMs.reduce((a, b) => a + b, 0);
    return {
      backend: name,
      backendVersion: backend.version,
      device: deviceOf(backend),
      tfjsVersion: tf.version.tfjs,
      nodeVersion: process.versions.node,
      batchSize: p.batchSize,
      inputSize: p.inputSize,
      images: p.images,
      batches,
      secondsPer1000Images: round(timedMs / p.images, 4),
      imagesPerSecond: round((1000 * p.images) / timedMs, 2),
      batchMs: { p50: round(percentile(batchMs, 0.5), 2), p95: round(percentile(batchMs, 0.95), 2) },
      timedMs: round(timedMs, 1),
      featureShape: [p.images, ...featureShape.slice(1)],
      overheadMs: { backendInit: Math.round(backendInit), modelBuild: Math.round(modelBuild), warmUp: Math.round(warmUp) },
    };
  } finally {
    model.dispose();
  }
}

/** The seeded synthetic images, values 0..1, as many as one batch (every batch reuses them). */
function syntheticImages(count: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const values = new Float32Array(count * SOURCE_SIZE * SOURCE_SIZE * 3);
  for (let i = 0; i < values.length; i++) values[i] = random();
  return values;
}

/** The device a row ran on: the CPU's model and cores, or the GPU as the backend knows it. */
function deviceOf(backend: BackendInfo): string {
  if (backend.name === 'tensorflow-gpu') return 'GPU (CUDA, through libtensorflow)';
  const cores = cpus();
  const threads = backend.threads !== undefined ? `, ${backend.threads} wasm thread${backend.threads === 1 ? '' : 's'}` : '';
  return `cpu: ${cores[0]?.model.trim() ?? 'unknown'}, ${cores.length} cores${threads}`;
}

/** A row's error for people; running out of memory says what to lower. */
function rowError(error: unknown, backend: BackendName, batchSize: number): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/out of memory|OOM|allocat|memory access out of bounds|Array buffer allocation/i.test(message)) {
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

import { InvalidParameterError, isGiven, type ParamTable, readInteger, rejectUnknownParams } from '@gpulab/compute';
import { quoteInput } from '@gpulab/contracts';
import { BACKENDS, type BackendName, installedBackends } from '../backend';

/** The models the benchmark times, as `--set model=` names them. */
export const BENCHMARK_MODELS = ['resnet50', 'mobilenetv2', 'course-cnn'] as const;
export type BenchmarkModel = (typeof BENCHMARK_MODELS)[number];

/** The defaults in one place: the lecture's figure is for 1,000 images at ImageNet's 224 × 224. */
export const BENCHMARK_DEFAULTS = { images: 1000, batchSize: 32, inputSize: 224, seed: 0, wasmThreads: 0 } as const;

const d = BENCHMARK_DEFAULTS;

/** benchmark's parameters, defaults and ranges: what the compile step reads and `gpulab kinds` shows. */
export const BENCHMARK_PARAMS = [
  { name: 'model', type: 'enum', values: BENCHMARK_MODELS, meaning: 'the network timed: ResNet-50 or MobileNetV2 as feature extractors, or the train-classifier default CNN' },
  { name: 'images', type: 'integer', default: d.images, min: 1, max: 50_000, meaning: 'images timed per backend, after one warm-up batch' },
  { name: 'batchSize', type: 'integer', default: d.batchSize, min: 1, max: 256, meaning: 'images per forward pass' },
  { name: 'inputSize', type: 'integer', default: d.inputSize, min: 32, max: 1024, meaning: 'side the 32x32 images are resized to inside the timed graph' },
  { name: 'backends', type: 'list', default: 'all installed on the worker', meaning: `backends timed in turn, one row each: ${BACKENDS.join(', ')}` },
  { name: 'seed', type: 'integer', default: d.seed, min: 0, max: 2 ** 31 - 1, meaning: 'seed of the synthetic images and the random weights' },
  {
    name: 'wasmThreads',
    type: 'integer',
    default: d.wasmThreads,
    min: 0,
    max: 64,
    meaning: "wasm only: worker threads that split each batch, each with its own backend and model copy (wasm's own threads do not run in node); 0: one per core",
  },
] as const satisfies ParamTable;

const [, IMAGES, BATCH_SIZE, INPUT_SIZE, , SEED, WASM_THREADS] = BENCHMARK_PARAMS;

export interface BenchmarkParams {
  model: BenchmarkModel;
  images: number;
  batchSize: number;
  inputSize: number;
  /** Backends to time, in this order; empty: every backend installed on the worker that runs it. */
  backends: BackendName[];
  seed: number;
  /** Worker threads of a wasm row; 0: one per core of the worker that runs it. */
  wasmThreads: number;
}

/** Checks `benchmark`'s parameters and fills in defaults; runs in the gateway (no TensorFlow.js here) and in the worker. */
export function compileBenchmarkParams(params: Record<string, unknown>): BenchmarkParams {
  rejectUnknownParams('benchmark', params, BENCHMARK_PARAMS);
  return {
    model: modelParam(params.model),
    images: readInteger(params, IMAGES),
    batchSize: readInteger(params, BATCH_SIZE),
    inputSize: readInteger(params, INPUT_SIZE),
    backends: backendsParam(params.backends),
    seed: readInteger(params, SEED),
    wasmThreads: readInteger(params, WASM_THREADS),
  };
}

/** The compiled parameters as the job record keeps them (lists as text; no backends: all installed). */
export function benchmarkParamsRecord(p: BenchmarkParams): Record<string, unknown> {
  return { model: p.model, images: p.images, batchSize: p.batchSize, inputSize: p.inputSize, ...(p.backends.length > 0 ? { backends: p.backends.join(',') } : {}), seed: p.seed, wasmThreads: p.wasmThreads };
}

function modelParam(raw: unknown): BenchmarkModel {
  if (!isGiven({ raw }, 'raw')) throw new InvalidParameterError('model', `benchmark needs a model: --set model=NAME, one of ${BENCHMARK_MODELS.join(', ')}`);
  if (typeof raw !== 'string' || !BENCHMARK_MODELS.includes(raw as BenchmarkModel)) {
    throw new InvalidParameterError('model', `there is no benchmark model ${quoteInput(raw)}; the models are: ${BENCHMARK_MODELS.join(', ')}`);
  }
  return raw as BenchmarkModel;
}

/** Backends by name: "wasm,cpu" from the CLI, or a list from the SDK; each known, none twice. */
function backendsParam(raw: unknown): BackendName[] {
  if (!isGiven({ raw }, 'raw')) return [];
  const names = (Array.isArray(raw) ? raw : String(raw).split(',')).map((name) => String(name).trim()).filter((name) => name !== '');
  const unknown = names.find((name) => !BACKENDS.includes(name as BackendName));
  if (unknown !== undefined || names.length === 0) {
    // Installed here, in the gateway's view; the worker's may differ, and a missing one fails only its row.
    throw new InvalidParameterError(
      'backends',
      `there is no TensorFlow.js backend ${quoteInput(unknown ?? raw)}; the backends are: ${BACKENDS.join(', ')} (installed: ${installedBackends().join(', ')})`,
    );
  }
  return [...new Set(names)] as BackendName[];
}

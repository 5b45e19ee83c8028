import { knnAccuracy } from '../embedding-quality';
import { InvalidParameterError } from '../errors';
import { type JobContext, type JobKind } from '../job-kind';
import { type Matrix } from '../matrix';
import { type ParamTable, rejectUnknownParams } from '../param-table';
import { readChoice, readInteger, readNumber } from '../params';
import { type TsneAccelerate, type TsneAccelerator, TSNE_PATHS, type TsnePath } from '../tsne/accelerator';
import { tsneMemoryEstimate, WORKER_MEMORY_LIMIT_BYTES } from '../tsne/memory-estimate';
import { compileTsneOptions, REPORT_EVERY, tsne, TSNE_METHODS, type TsneMethod, type TsneResult } from '../tsne/tsne';
import { embeddingFiles, firstLabels } from './embedding-files';

/** tsne's parameters, defaults and ranges: what `compile` reads and `gpulab kinds` shows. */
export const TSNE_PARAMS = [
  { name: 'perplexity', type: 'number', default: 30, min: Number.MIN_VALUE, meaning: 'effective neighbours per point; below (rows - 1) / 3' },
  { name: 'iterations', type: 'integer', default: 1000, min: 1, max: 100_000, meaning: 'gradient steps' },
  { name: 'seed', type: 'integer', default: 0, min: 0, max: 2 ** 31 - 1, meaning: 'seed of the random start' },
  { name: 'method', type: 'enum', values: TSNE_METHODS, default: 'auto', meaning: 'how the repulsion is computed (auto: by size)' },
  { name: 'theta', type: 'number', default: 0.5, min: 0, max: 1, meaning: 'Barnes-Hut accuracy (0: exact)' },
  { name: 'learningRate', type: 'number', default: 'auto', min: Number.MIN_VALUE, meaning: 'step size; auto: max(rows / earlyExaggeration / 4, 50)' },
  { name: 'earlyExaggeration', type: 'number', default: 12, min: 1, max: 1000, meaning: 'attraction factor of the first iterations' },
  { name: 'init', type: 'enum', values: ['pca', 'random'], default: 'pca', meaning: 'the starting layout' },
  { name: 'pcaDims', type: 'integer', default: 'auto', min: 0, meaning: 'PCA dimensions before t-SNE (0: none; auto: 50 above 100 columns)' },
  { name: 'rows', type: 'integer', default: 'all rows', min: 1, meaning: 'use only the first N rows' },
  { name: 'path', type: 'enum', values: TSNE_PATHS, default: 'auto', meaning: 'cpu, tensor (TensorFlow.js), or auto (tensor on a GPU backend)' },
] as const satisfies ParamTable;

const [PERPLEXITY, ITERATIONS, SEED, METHOD, THETA, LEARNING_RATE, EARLY_EXAGGERATION, INIT, PCA_DIMS, ROWS, PATH] = TSNE_PARAMS;

/** tsne's parameters, checked against the data. */
export interface TsneParams {
  perplexity: number;
  iterations: number;
  seed: number;
  method: TsneMethod;
  theta: number;
  learningRate: number | 'auto';
  earlyExaggeration: number;
  init: 'pca' | 'random';
  pcaDims: number | 'auto';
  rows: number;
  path: TsnePath;
}

/** Embeddings up to this many points are also inline in the result (JSON). */
const INLINE_POINTS = 2000;

/** Label accuracy of the embedding's neighbourhoods, reported when the data has labels. */
const ACCURACY_NEIGHBOURS = 10;

/**
 * t-SNE to two dimensions; see {@link tsne} for the method. `accelerate` gives the tensor path
 * (`path=auto|tensor`) an accelerator; this package has none, since the one it would use
 * (TensorFlow.js) lives in a package that depends on this one: @gpulab/neural builds the kind
 * with its own, and the registry in @gpulab/jobs uses that one.
 */
export function makeTsneKind(accelerate?: TsneAccelerate): JobKind<TsneParams> {
  return {
    name: 'tsne',
    summary: 't-SNE to 2-D: embedding, KL divergence, a scatter plot coloured by class',
    input: 'matrix',
    params: TSNE_PARAMS,
    compile(params, input) {
      rejectUnknownParams('tsne', params, TSNE_PARAMS);
      if (!input) throw new InvalidParameterError('input', 'tsne needs data: give --input FILE or ARTIFACT_ID, or --dataset NAME');
      const rows = readInteger(params, ROWS, { fallback: input.rows, max: input.rows });
      const learning = params.learningRate;
      const options = {
        perplexity: readNumber(params, PERPLEXITY),
        iterations: readInteger(params, ITERATIONS),
        seed: readInteger(params, SEED),
        method: readChoice(params, METHOD),
        theta: readNumber(params, THETA),
        learningRate: learning === undefined || learning === 'auto' ? ('auto' as const) : readNumber(params, LEARNING_RATE),
        earlyExaggeration: readNumber(params, EARLY_EXAGGERATION),
        init: readChoice(params, INIT),
        pcaDims: params.pcaDims === undefined || params.pcaDims === 'auto' ? ('auto' as const) : readInteger(params, PCA_DIMS, { max: input.cols }),
      };
      // Jobs queued before the parameter existed have no path: they get the default.
      const path = readChoice(params, PATH);
      // Compiling checks the combination against the data (perplexity against the row count).
      const compiled = compileTsneOptions(options, rows, input.cols);
      refuseOverMemory(rows, input.cols, compiled.perplexity, compiled.pcaDims);
      return { ...options, rows, path };
    },
    record: (p) => ({ ...p }),
    async run({ input, labels, progress, log, signal, preferredBackend }, p) {
      if (!input) throw new InvalidParameterError('input', 'tsne needs data');
      const rows = Math.min(p.rows, input.rows);
      const data: Matrix = rows === input.rows ? input : { rows, cols: input.cols, data: input.data.subarray(0, rows * input.cols) };
      const classes = firstLabels(labels, rows);
      const accelerator = await acceleratorFor(p.path, accelerate, log, preferredBackend);
      await log('info', accelerator ? `t-SNE: neighbours and gradient run as tensor ops on the ${accelerator.name} backend (exact repulsion)` : 't-SNE runs on the CPU');
      await progress(0.01, `t-SNE of ${rows} x ${input.cols}`);
      const { rows: _rows, path: _path, ...options } = p;
      const result = await tsne(data, {
        ...options,
        accelerator,
        signal,
        onProgress: async (progressed) => {
          if (progressed.phase !== 'optimization') {
            await progress(progressed.phase === 'neighbours' ? 0.02 : 0.1, progressed.phase === 'neighbours' ? 'nearest neighbours' : 'affinities (perplexity calibration)');
            return;
          }
          await progress(0.15 + 0.85 * (progressed.iteration / progressed.iterations), `iteration ${progressed.iteration}/${progressed.iterations}, KL ${progressed.kl.toFixed(4)}`);
          if (progressed.iteration % REPORT_EVERY === 0) await log('info', `iteration ${progressed.iteration}: KL ${progressed.kl.toFixed(4)}`);
        },
      });
      const accuracy = classes ? knnAccuracy(result.embedding, classes, ACCURACY_NEIGHBOURS) : undefined;
      const files = embeddingFiles(result.embedding, rows, 2, classes, {
        stem: 'tsne',
        title: `t-SNE of ${rows.toLocaleString('en-US')} points (perplexity ${result.perplexity}, KL ${result.kl.toFixed(3)})`,
        xLabel: 't-SNE 1',
        yLabel: 't-SNE 2',
      });
      await progress(1, 'done');
      return {
        backend: result.accelerator ?? 'cpu',
        files,
        result: {
          points: rows,
          kl: result.kl,
          method: result.method,
          path: pathLabel(result),
          repulsion: result.repulsion,
          perplexity: result.perplexity,
          learningRate: result.learningRate,
          iterations: result.iterations,
          dimensions: result.dimensions,
          timingsMs: roundTimings(result.timingsMs),
          cpuMs: roundTimings(result.cpuMs),
          klHistory: result.history,
          ...(classes ? { classes: classes.names, knnAccuracy: accuracy, knnAccuracyNeighbours: ACCURACY_NEIGHBOURS } : {}),
          ...(rows <= INLINE_POINTS ? { embedding: pairs(result.embedding, rows) } : {}),
        },
      };
    },
  };
}

/**
 * A run the worker could not hold is refused here, at submission, with the estimate: killed by
 * the machine half-way it would cost its slot's time and say nothing useful. Counted for two
 * threads, the neighbour search's copies, as on the course's 2-core workers.
 */
function refuseOverMemory(rows: number, cols: number, perplexity: number, pcaDims: number): void {
  const estimate = tsneMemoryEstimate(rows, cols, perplexity, pcaDims, 2);
  if (estimate.bytes <= WORKER_MEMORY_LIMIT_BYTES) return;
  const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  const fitting = Math.floor(rows * (WORKER_MEMORY_LIMIT_BYTES / estimate.bytes));
  throw new InvalidParameterError(
    'rows',
    `t-SNE of ${rows.toLocaleString('en-US')} rows x ${cols} columns with perplexity ${perplexity} needs about ${gb(estimate.bytes)} ` +
      `(the input ${gb(rows * cols * 8)}, and ${rows.toLocaleString('en-US')} rows x ${estimate.neighbours} neighbours x 12 bytes = ${gb(estimate.neighbourBytes)} per thread for the neighbour search, twice that for P), ` +
      `more than a worker's ${gb(WORKER_MEMORY_LIMIT_BYTES)}; use --set rows=${fitting.toLocaleString('en-US').replace(/,/g, '')} or fewer, or a smaller perplexity`,
  );
}

/** The kind without a tensor path: `path=tensor` fails at run time, `auto` runs on the CPU. */
export const tsneKind: JobKind<TsneParams> = makeTsneKind();

async function acceleratorFor(path: TsnePath, accelerate: TsneAccelerate | undefined, log: JobContext['log'], preferredBackend: string | undefined): Promise<TsneAccelerator | undefined> {
  if (path === 'cpu') return undefined;
  if (accelerate) return accelerate(path, log, preferredBackend);
  if (path === 'tensor') {
    throw new InvalidParameterError('path', 'path=tensor needs TensorFlow.js, which this build of the tsne kind does not have; use path=auto or path=cpu');
  }
  return undefined;
}

/** The path as the result reports it: the CPU strings predate the tensor path and stay as they were. */
function pathLabel(result: TsneResult): string {
  if (result.path === 'tensor') return `tensor (${result.accelerator})`;
  return result.method === 'fft' ? 'cpu (FFT in WebAssembly SIMD)' : 'cpu';
}

function pairs(embedding: Float64Array, rows: number): number[][] {
  return Array.from({ length: rows }, (_, i) => [embedding[2 * i], embedding[2 * i + 1]]);
}

function roundTimings(t: object): Record<string, number> {
  return Object.fromEntries(Object.entries(t).map(([k, v]: [string, number]) => [k, Math.round(v)]));
}

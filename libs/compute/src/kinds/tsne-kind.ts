import { knnAccuracy } from '../embedding-quality';
import { InvalidParameterError } from '../errors';
import { type JobContext, type JobKind } from '../job-kind';
import { type Matrix } from '../matrix';
import { choiceParam, integerParam, numberParam, rejectUnknownParams } from '../params';
import { type TsneAccelerate, type TsneAccelerator, TSNE_PATHS, type TsnePath } from '../tsne/accelerator';
import { compileTsneOptions, REPORT_EVERY, tsne, TSNE_METHODS, type TsneMethod, type TsneResult } from '../tsne/tsne';
import { embeddingFiles, firstLabels } from './embedding-files';

const PARAMS = ['perplexity', 'iterations', 'seed', 'method', 'theta', 'learningRate', 'earlyExaggeration', 'init', 'pcaDims', 'rows', 'path'] as const;

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
export function makeTsneKind(accelerate?: TsneAccelerate): JobKind {
  return {
    name: 'tsne',
    summary: 't-SNE to 2-D: embedding, KL divergence, a scatter plot coloured by class',
    input: 'matrix',
    prepare(params, input) {
      rejectUnknownParams('tsne', params, PARAMS);
      if (!input) throw new InvalidParameterError('input', 'tsne needs data: give --input FILE or ARTIFACT_ID, or --dataset NAME');
      const rows = integerParam(params, 'rows', input.rows, 1, input.rows);
      const learning = params.learningRate;
      const options = {
        perplexity: numberParam(params, 'perplexity', 30, Number.MIN_VALUE, Number.MAX_VALUE),
        iterations: integerParam(params, 'iterations', 1000, 1, 100_000),
        seed: integerParam(params, 'seed', 0, 0, 2 ** 31 - 1),
        method: choiceParam<TsneMethod>(params, 'method', 'auto', TSNE_METHODS),
        theta: numberParam(params, 'theta', 0.5, 0, 1),
        learningRate: learning === undefined || learning === 'auto' ? ('auto' as const) : numberParam(params, 'learningRate', 0, Number.MIN_VALUE, Number.MAX_VALUE),
        earlyExaggeration: numberParam(params, 'earlyExaggeration', 12, 1, 1000),
        init: choiceParam(params, 'init', 'pca', ['pca', 'random'] as const),
        pcaDims: params.pcaDims === undefined || params.pcaDims === 'auto' ? ('auto' as const) : integerParam(params, 'pcaDims', 0, 0, input.cols),
      };
      const path = choiceParam<TsnePath>(params, 'path', 'auto', TSNE_PATHS);
      // Compiling checks the combination against the data (perplexity against the row count).
      compileTsneOptions(options, rows, input.cols);
      return { ...options, rows, path };
    },
    async run({ params, input, labels, progress, log, signal, preferredBackend }) {
      if (!input) throw new InvalidParameterError('input', 'tsne needs data');
      const rows = Math.min(Number(params.rows ?? input.rows), input.rows);
      const data: Matrix = rows === input.rows ? input : { rows, cols: input.cols, data: input.data.subarray(0, rows * input.cols) };
      const classes = firstLabels(labels, rows);
      // Jobs queued before the parameter existed have no path: they get the default.
      const accelerator = await acceleratorFor((params.path ?? 'auto') as TsnePath, accelerate, log, preferredBackend);
      await log('info', accelerator ? `t-SNE: neighbours and gradient run as tensor ops on the ${accelerator.name} backend (exact repulsion)` : 't-SNE runs on the CPU');
      await progress(0.01, `t-SNE of ${rows} x ${input.cols}`);
      const result = await tsne(data, {
        accelerator,
        perplexity: Number(params.perplexity),
        iterations: Number(params.iterations),
        seed: Number(params.seed),
        method: params.method as TsneMethod,
        theta: Number(params.theta),
        learningRate: params.learningRate === 'auto' ? 'auto' : Number(params.learningRate),
        earlyExaggeration: Number(params.earlyExaggeration),
        init: params.init as 'pca' | 'random',
        pcaDims: params.pcaDims === 'auto' ? 'auto' : Number(params.pcaDims),
        signal,
        onProgress: async (p) => {
          if (p.phase !== 'optimization') {
            await progress(p.phase === 'neighbours' ? 0.02 : 0.1, p.phase === 'neighbours' ? 'nearest neighbours' : 'affinities (perplexity calibration)');
            return;
          }
          await progress(0.15 + 0.85 * (p.iteration / p.iterations), `iteration ${p.iteration}/${p.iterations}, KL ${p.kl.toFixed(4)}`);
          if (p.iteration % REPORT_EVERY === 0) await log('info', `iteration ${p.iteration}: KL ${p.kl.toFixed(4)}`);
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
          klHistory: result.history,
          ...(classes ? { classes: classes.names, knnAccuracy: accuracy, knnAccuracyNeighbours: ACCURACY_NEIGHBOURS } : {}),
          ...(rows <= INLINE_POINTS ? { embedding: pairs(result.embedding, rows) } : {}),
        },
      };
    },
  };
}

/** The kind without a tensor path: `path=tensor` fails at run time, `auto` runs on the CPU. */
export const tsneKind: JobKind = makeTsneKind();

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

function roundTimings(t: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v)]));
}

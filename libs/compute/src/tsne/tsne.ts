import { InvalidInputError, InvalidParameterError } from '../errors';
import { assertFinite, type Matrix } from '../matrix';
import { principalComponents } from '../pca-auto';
import { normalSource, seededRandom } from '../random';
import { type TsneAccelerator, type TsneAffinities } from './accelerator';
import { denseAffinities, sparseAffinities, squaredDistanceMatrix, type SparseAffinities } from './affinities';
import { addAttraction, ExactRepulsion, type Repulsion } from './forces';
import { parallelNeighbours } from './parallel-neighbours';
import { SparseDescent } from './sparse-descent';

export const TSNE_METHODS = ['auto', 'exact', 'barnes-hut', 'fft'] as const;
export type TsneMethod = (typeof TSNE_METHODS)[number];

export interface TsneOptions {
  /** The effective number of neighbours each point's Gaussian is calibrated to. @default 30 */
  perplexity?: number;
  /** Gradient-descent iterations in all, early exaggeration included. @default 1000 */
  iterations?: number;
  /** Seeds the random initialization; the PCA initialization needs none. @default 0 */
  seed?: number;
  /** `auto` picks exact up to {@link EXACT_MAX_POINTS}, Barnes-Hut up to {@link BARNES_HUT_MAX_POINTS}, else FFT. @default 'auto' */
  method?: TsneMethod;
  /** Barnes-Hut's accuracy: a cell of width w at distance d counts as one body when w/d < θ. @default 0.5 */
  theta?: number;
  /** `auto` is max(n / earlyExaggeration / 4, 50), as scikit-learn ≥ 1.2. @default 'auto' */
  learningRate?: number | 'auto';
  /** P is multiplied by this for the first `exaggerationIterations`. @default 12 */
  earlyExaggeration?: number;
  /** @default 250 */
  exaggerationIterations?: number;
  /** `pca`: the first two principal components scaled to standard deviation 1e-4; `random`: N(0, 1e-4²). @default 'pca' */
  init?: 'pca' | 'random';
  /**
   * Reduce the data to this many principal components first (0: never). `auto` reduces data
   * with more than 100 columns to 50, which keeps neighbours and runtime in hand and, for
   * image data, costs nothing visible. @default 'auto'
   */
  pcaDims?: number | 'auto';
  /**
   * Threads for the neighbour search and the optimization (this one included; at most 8). The
   * embedding is the same for any count. @default all cores
   */
  threads?: number;
  /** Called every {@link REPORT_EVERY} iterations and at the end. */
  onProgress?: (report: TsneProgress) => void | Promise<void>;
  /** Checked between iterations; when aborted, `tsne` rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Runs the neighbour search (the distance matrix for `exact`) and the gradient as tensor ops,
   * on a GPU where the accelerator has one. The repulsion is then exact for every method; the
   * method still decides P (dense for `exact`, from 3·perplexity neighbours otherwise). Without
   * it everything runs here in TypeScript. @default undefined (the CPU path)
   */
  accelerator?: TsneAccelerator;
}

export interface TsneProgress {
  iteration: number;
  iterations: number;
  kl: number;
  phase: 'neighbours' | 'affinities' | 'optimization';
}

export interface TsneResult {
  /** n × 2, row-major. */
  embedding: Float64Array;
  /** KL(P ‖ Q) at the end (Barnes-Hut and FFT estimate Z the way they estimate the forces). */
  kl: number;
  method: Exclude<TsneMethod, 'auto'>;
  perplexity: number;
  learningRate: number;
  iterations: number;
  /** Columns after the PCA pre-reduction (the input's own count when there was none). */
  dimensions: number;
  timingsMs: TsnePhaseTimes;
  /** CPU time of each phase, all threads of the process together (user + system). */
  cpuMs: TsnePhaseTimes;
  /** KL every {@link REPORT_EVERY} iterations. */
  history: { iteration: number; kl: number }[];
  /** `tensor` when an {@link TsneOptions.accelerator} ran the neighbours and the gradient, else `cpu`. */
  path: 'cpu' | 'tensor';
  /** The accelerator's name on the tensor path (its TensorFlow.js backend). */
  accelerator?: string;
  /** The repulsion that ran: the method's on the CPU path, exact on the tensor path. */
  repulsion: Exclude<TsneMethod, 'auto'>;
}

export interface TsnePhaseTimes {
  reduction: number;
  neighbours: number;
  affinities: number;
  optimization: number;
}

export const EXACT_MAX_POINTS = 500;
/**
 * Where `auto` switches from Barnes-Hut to FFT, by measurement (Fashion-MNIST, perplexity 30,
 * 1,000 iterations, seed 1, the optimization's wall time on both cores of a quiet 2-core
 * machine, `bench/dist/tsne-small-bench.js --fashion N --method M`): Barnes-Hut against FFT took
 * 5.6 against 5.9 s at 10,000 points, 13.2 against 14.7 s at 20,000, 26.7 against 22.8 s at
 * 40,000 and 64.5 against 31.7 s at 70,000, and ended at a lower KL at every size (exact Z:
 * 1.492 against 1.590, 1.821 against 1.925, 2.179 against 2.273, 2.505 against 2.586): the
 * leaf-by-leaf walk is more accurate than the interpolation's boxes of width 1. The FFT grid's
 * cost grows with the embedding's extent, Barnes-Hut's with n log n; they cross near 30,000.
 */
export const BARNES_HUT_MAX_POINTS = 30_000;
export const REPORT_EVERY = 50;
const MOMENTUM_EARLY = 0.5;
const MOMENTUM_LATE = 0.8;
const MIN_GAIN = 0.01;
const INIT_STD = 1e-4;

interface CompiledOptions {
  perplexity: number;
  iterations: number;
  seed: number;
  method: Exclude<TsneMethod, 'auto'>;
  theta: number;
  learningRate: number;
  earlyExaggeration: number;
  exaggerationIterations: number;
  init: 'pca' | 'random';
  pcaDims: number;
}

/** Checks options against the data's shape and fills in the defaults; errors name the option. */
export function compileTsneOptions(options: TsneOptions, rows: number, cols: number): CompiledOptions {
  if (rows < 4) throw new InvalidInputError('TOO_FEW_ROWS', `t-SNE needs at least 4 rows of data, the input has ${rows}`);
  const perplexity = options.perplexity ?? 30;
  if (!(perplexity > 0) || !Number.isFinite(perplexity)) throw new InvalidParameterError('perplexity', `perplexity must be a positive number, not ${perplexity}`);
  if (perplexity >= (rows - 1) / 3) {
    throw new InvalidParameterError(
      'perplexity',
      `perplexity ${perplexity} is too large for ${rows} points: it must be below (n - 1) / 3 = ${round((rows - 1) / 3)}; try ${Math.max(1, Math.floor((rows - 1) / 3 - 1))} or fewer`,
    );
  }
  const earlyExaggeration = options.earlyExaggeration ?? 12;
  if (!(earlyExaggeration >= 1)) throw new InvalidParameterError('earlyExaggeration', `earlyExaggeration must be at least 1, not ${earlyExaggeration}`);
  const iterations = options.iterations ?? 1000;
  if (!Number.isInteger(iterations) || iterations < 1) throw new InvalidParameterError('iterations', `iterations must be a whole number of at least 1, not ${iterations}`);
  const exaggerationIterations = Math.min(options.exaggerationIterations ?? 250, iterations);
  const theta = options.theta ?? 0.5;
  if (!(theta >= 0 && theta <= 1)) throw new InvalidParameterError('theta', `theta must be between 0 and 1, not ${theta}`);
  const rate = options.learningRate ?? 'auto';
  const learningRate = rate === 'auto' ? Math.max(rows / earlyExaggeration / 4, 50) : rate;
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) throw new InvalidParameterError('learningRate', `learningRate must be a positive number or "auto", not ${rate}`);
  const requested = options.method ?? 'auto';
  if (!TSNE_METHODS.includes(requested)) throw new InvalidParameterError('method', `method must be one of ${TSNE_METHODS.join(', ')}, not ${String(requested)}`);
  const method = requested !== 'auto' ? requested : rows <= EXACT_MAX_POINTS ? 'exact' : rows <= BARNES_HUT_MAX_POINTS ? 'barnes-hut' : 'fft';
  const init = options.init ?? 'pca';
  if (init !== 'pca' && init !== 'random') throw new InvalidParameterError('init', `init must be "pca" or "random", not ${String(init)}`);
  const dims = options.pcaDims ?? 'auto';
  const pcaDims = dims === 'auto' ? (cols > 100 ? 50 : 0) : dims;
  if (!Number.isInteger(pcaDims) || pcaDims < 0) throw new InvalidParameterError('pcaDims', `pcaDims must be "auto", 0 (no reduction) or a whole number of dimensions, not ${dims}`);
  if (pcaDims > cols) throw new InvalidParameterError('pcaDims', `pcaDims is ${pcaDims} but the data has only ${cols} columns`);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new InvalidParameterError('seed', `seed must be a whole number, not ${seed}`);
  return { perplexity, iterations, seed, method, theta, learningRate, earlyExaggeration, exaggerationIterations, init, pcaDims };
}

/**
 * t-SNE (van der Maaten & Hinton 2008) to two dimensions, as the lecture states it, with the
 * practice of scikit-learn and openTSNE: early exaggeration, momentum 0.5 then 0.8, per-
 * coordinate gains, the learning rate n / 48, PCA initialization. Neighbours and P are exact
 * for the exact method and from the 3·perplexity nearest neighbours otherwise; the repulsive
 * forces are exact, Barnes-Hut or FFT-interpolated. The same data, options and seed give the
 * same embedding. With an accelerator the neighbours and the gradient (exact repulsion) run as
 * tensor ops in float32, the optimizer here in float64.
 */
export async function tsne(x: Matrix, options: TsneOptions = {}): Promise<TsneResult> {
  const o = compileTsneOptions(options, x.rows, x.cols);
  assertFinite(x);
  const n = x.rows;
  const history: { iteration: number; kl: number }[] = [];
  const report = async (phase: TsneProgress['phase'], iteration: number, kl: number) => {
    options.signal?.throwIfAborted();
    await options.onProgress?.({ iteration, iterations: o.iterations, kl, phase });
    // Yield so that a cancellation (a message on the socket) can arrive between iterations.
    await new Promise<void>((resolve) => setImmediate(resolve));
    options.signal?.throwIfAborted();
  };

  const clock = new PhaseClock();
  const reduced = o.pcaDims > 0 ? principalComponents(x, o.pcaDims).embedding : x;
  const init = initialEmbedding(reduced, o);
  clock.lap('reduction');

  await report('neighbours', 0, NaN);
  let affinities: TsneAffinities;
  const accelerator = options.accelerator;
  if (o.method === 'exact') {
    const distances = accelerator ? await accelerator.squaredDistances(reduced) : squaredDistanceMatrix(reduced.data, n, reduced.cols);
    clock.lap('neighbours');
    affinities = { dense: denseAffinities(distances, n, o.perplexity), n };
  } else {
    const k = Math.min(n - 1, Math.floor(3 * o.perplexity + 1));
    const neighbours = accelerator ? await accelerator.neighbours(reduced, k) : await parallelNeighbours(reduced, k, options.threads);
    clock.lap('neighbours');
    await report('affinities', 0, NaN);
    clock.skip();
    affinities = { sparse: sparseAffinities(neighbours, o.perplexity) };
  }
  clock.lap('affinities');

  const descent = await startDescent(init, n, affinities, o, options);
  let kl = NaN;
  try {
    for (let it = 0; it < o.iterations; it++) {
      if (it === o.exaggerationIterations) descent.restart();
      const exaggeration = it < o.exaggerationIterations ? o.earlyExaggeration : 1;
      const momentum = it < o.exaggerationIterations ? MOMENTUM_EARLY : MOMENTUM_LATE;
      const last = it === o.iterations - 1;
      const wantKl = (it + 1) % REPORT_EVERY === 0 || last;
      kl = await descent.step(exaggeration, momentum, wantKl);
      if (wantKl) {
        history.push({ iteration: it + 1, kl });
        await report('optimization', it + 1, kl);
      }
    }
  } finally {
    descent.close();
  }
  const y = descent.embedding();
  clock.lap('optimization');
  return {
    embedding: y,
    kl,
    method: o.method,
    perplexity: o.perplexity,
    learningRate: o.learningRate,
    iterations: o.iterations,
    dimensions: reduced.cols,
    timingsMs: clock.wall,
    cpuMs: clock.cpu,
    history,
    ...(accelerator ? { path: 'tensor' as const, accelerator: accelerator.name, repulsion: 'exact' as const } : { path: 'cpu' as const, repulsion: o.method }),
  };
}

/** The optimizer's state and its step, whichever computes the gradient. */
interface Descent {
  step(exaggeration: number, momentum: number, wantKl: boolean): number | Promise<number>;
  restart(): void;
  embedding(): Float64Array;
  close(): void;
}

/**
 * Sparse P on the CPU goes to {@link SparseDescent} (all cores, one fused pass); the exact
 * method (at most a few hundred points) and the tensor path keep the plain loop below.
 */
async function startDescent(y: Float64Array, n: number, affinities: TsneAffinities, o: CompiledOptions, options: TsneOptions): Promise<Descent> {
  const accelerator = options.accelerator;
  if (!accelerator && 'sparse' in affinities && o.method !== 'exact') {
    return SparseDescent.create(affinities.sparse, y, { method: o.method, theta: o.theta, learningRate: o.learningRate, threads: options.threads });
  }
  const grad = new Float64Array(2 * n);
  let compute: (exaggeration: number, wantKl: boolean) => number | Promise<number>;
  let release: () => void;
  if (accelerator) {
    // No CPU repulsion is built on the tensor path: FFT's would start threads for nothing.
    const tensor = accelerator.gradient(affinities);
    compute = (exaggeration, wantKl) => tensor.compute(y, exaggeration, grad, wantKl);
    release = () => tensor.dispose();
  } else {
    const repulsion = new ExactRepulsion();
    const [p, dense] = 'sparse' in affinities ? [affinities.sparse, undefined] : [undefined, affinities.dense];
    compute = (exaggeration, wantKl) => gradient(y, n, p, dense, repulsion, exaggeration, grad, wantKl);
    release = () => undefined;
  }
  const update = new Float64Array(2 * n);
  const gains = new Float64Array(2 * n).fill(1);
  return {
    async step(exaggeration, momentum, wantKl) {
      const kl = await compute(exaggeration, wantKl);
      for (let t = 0; t < 2 * n; t++) {
        const g = grad[t];
        let gain = gains[t];
        gain = update[t] * g < 0 ? gain + 0.2 : gain * 0.8;
        if (gain < MIN_GAIN) gain = MIN_GAIN;
        gains[t] = gain;
        update[t] = momentum * update[t] - o.learningRate * gain * g;
        y[t] += update[t];
      }
      return kl;
    },
    restart() {
      update.fill(0);
      gains.fill(1);
    },
    embedding: () => y,
    close: release,
  };
}

/** Wall and CPU time (process.cpuUsage: every thread, user + system) per phase. */
class PhaseClock {
  readonly wall: TsnePhaseTimes = { reduction: 0, neighbours: 0, affinities: 0, optimization: 0 };
  readonly cpu: TsnePhaseTimes = { reduction: 0, neighbours: 0, affinities: 0, optimization: 0 };
  private wallAt = performance.now();
  private cpuAt = process.cpuUsage();

  /** Charges the time since the last lap (or skip) to `phase`. */
  lap(phase: keyof TsnePhaseTimes): void {
    const wallNow = performance.now();
    const cpuNow = process.cpuUsage();
    this.wall[phase] += wallNow - this.wallAt;
    this.cpu[phase] += (cpuNow.user - this.cpuAt.user + cpuNow.system - this.cpuAt.system) / 1000;
    this.wallAt = wallNow;
    this.cpuAt = cpuNow;
  }

  /** Charges the time since the last lap to no phase (a progress report between two). */
  skip(): void {
    this.wallAt = performance.now();
    this.cpuAt = process.cpuUsage();
  }
}

/**
 * The gradient 4 Σ_j (α p_ij − q_ij)(y_i − y_j)(1 + ‖y_i − y_j‖²)⁻¹ into `grad`; returns
 * KL(P ‖ Q) (with P unexaggerated) when asked, else NaN. P is either sparse or dense (n × n).
 */
export function gradient(
  y: Float64Array,
  n: number,
  p: SparseAffinities | undefined,
  dense: Float64Array | undefined,
  repulsion: Repulsion,
  exaggeration: number,
  grad: Float64Array,
  wantKl: boolean,
): number {
  const z = repulsion.compute(y, n, grad);
  const inverseZ = 1 / z;
  for (let t = 0; t < 2 * n; t++) grad[t] *= -inverseZ;
  let kl = NaN;
  if (p) {
    kl = addAttraction(p, y, exaggeration, grad, wantKl ? z : undefined);
  } else if (dense) {
    kl = 0;
    for (let i = 0; i < n; i++) {
      let f0 = 0;
      let f1 = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const d0 = y[2 * i] - y[2 * j];
        const d1 = y[2 * i + 1] - y[2 * j + 1];
        const w = 1 / (1 + d0 * d0 + d1 * d1);
        const pij = dense[i * n + j];
        f0 += exaggeration * pij * w * d0;
        f1 += exaggeration * pij * w * d1;
        if (wantKl && pij > 0) kl += pij * Math.log((pij * z) / w);
      }
      grad[2 * i] += f0;
      grad[2 * i + 1] += f1;
    }
  }
  for (let t = 0; t < 2 * n; t++) grad[t] *= 4;
  return wantKl ? kl : NaN;
}

function initialEmbedding(x: Matrix, o: CompiledOptions): Float64Array {
  const n = x.rows;
  const y = new Float64Array(2 * n);
  if (o.init === 'pca' && x.cols >= 2) {
    const e = principalComponents(x, 2).embedding.data;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += e[2 * i];
    mean /= n;
    let variance = 0;
    for (let i = 0; i < n; i++) variance += (e[2 * i] - mean) ** 2;
    const std = Math.sqrt(variance / n);
    const scale = std > 0 ? INIT_STD / std : 1;
    for (let t = 0; t < 2 * n; t++) y[t] = e[t] * scale;
    return y;
  }
  const normal = normalSource(seededRandom(o.seed));
  for (let t = 0; t < 2 * n; t++) y[t] = normal() * INIT_STD;
  return y;
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

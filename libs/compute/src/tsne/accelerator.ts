import { type Matrix } from '../matrix';
import { type SparseAffinities } from './affinities';
import { type Neighbours } from './neighbours';

/**
 * Where a t-SNE job's heavy steps run: `cpu` is this package's TypeScript (threads, WebAssembly
 * SIMD for FFT), `tensor` hands them to a {@link TsneAccelerator} (TensorFlow.js, a GPU where its
 * backend has one), `auto` takes the tensor path only where a GPU backend is there to run it.
 */
export const TSNE_PATHS = ['auto', 'cpu', 'tensor'] as const;
export type TsnePath = (typeof TSNE_PATHS)[number];

/** P as t-SNE holds it: sparse from the nearest neighbours, or dense n × n for the exact method. */
export type TsneAffinities = { sparse: SparseAffinities } | { dense: Float64Array; n: number };

/**
 * Runs t-SNE's O(n²) steps as tensor ops, typically on a GPU: the neighbour search (or the
 * distance matrix of the exact method) and the gradient. The caller keeps the optimizer
 * (momentum, gains), the perplexity calibration and the PCA. This package defines the contract
 * only; @gpulab/neural implements it on TensorFlow.js, so compute does not depend on tfjs.
 */
export interface TsneAccelerator {
  /** What runs the tensors, as a job's result reports it (a TensorFlow.js backend: `tensorflow-gpu`, `wasm`). */
  readonly name: string;
  /**
   * Each row's k nearest other rows by squared Euclidean distance, nearest first, ties by index:
   * the contract of `exactNeighbours` (a row never lists itself; duplicates of it may appear).
   */
  neighbours(x: Matrix, k: number): Promise<Neighbours>;
  /** All squared Euclidean distances of the rows (n × n, row-major, zero diagonal), for the exact method's dense P. */
  squaredDistances(x: Matrix): Promise<Float64Array>;
  /** Holds P on the device for one optimization; dispose it when the optimization ends. */
  gradient(p: TsneAffinities): TensorGradient;
}

/**
 * The full t-SNE gradient over P held on a device. The repulsion is exact (every pair), whatever
 * method chose P: on a GPU the n² pairs cost less than the approximations' bookkeeping would.
 */
export interface TensorGradient {
  /**
   * Writes 4 Σ_j (α p_ij − q_ij)(y_i − y_j)(1 + ‖y_i − y_j‖²)⁻¹ into `grad`, the convention of
   * `gradient` in `tsne.ts`; returns KL(P ‖ Q) with P unexaggerated when `wantKl`, else NaN.
   * `y` is n × 2, row-major; `exaggeration` is α.
   */
  compute(y: Float64Array, exaggeration: number, grad: Float64Array, wantKl: boolean): Promise<number>;
  /** Releases P and every tensor it holds; safe to call twice. */
  dispose(): void;
}

/**
 * How the t-SNE job kind gets an accelerator for the path a job asked for: `undefined` means the
 * CPU path (`auto` on a machine without a GPU backend); for `tensor` it returns one or throws.
 * `preferredBackend` is the worker's GPULAB_BACKEND; `log` goes to the job's log, so the job says
 * why it took the path it took.
 */
export type TsneAccelerate = (
  path: Exclude<TsnePath, 'cpu'>,
  log: (level: 'info' | 'warn', message: string) => Promise<void>,
  preferredBackend?: string,
) => Promise<TsneAccelerator | undefined>;

import { COVARIANCE_CHUNK_ROWS } from '../covariance';
import { type BarnesHutTreeBuffers, walkBarnesHut } from '../tsne/barnes-hut';
import { descentStep, type DescentStepTask } from '../tsne/descent-step';
import { descentStepWasm } from '../tsne/descent-step-wasm';
import { type FftPointsTask, runFftPoints } from '../tsne/fft-points';
import { columnMomentsWasm, covarianceSumsWasm, gramTimesWasm, timesRowsWasm } from '../wasm/pca-kernels';

/**
 * The row-parallel steps of randomized PCA and of t-SNE's optimizer, as tasks a
 * {@link RowPool} thread can run on a range of rows. Every buffer is a SharedArrayBuffer; a PCA
 * task that sums over rows writes its part's sums into slot `slot` of `partials`. The t-SNE
 * tasks count in blocks of rows instead (see tsne/sum-blocks.ts). The PCA tasks run in float64
 * WebAssembly SIMD on each thread's own module (wasm/pca-kernels.ts).
 */
export type RowTask =
  /** out[r] = x[r] · M − shift for rows r in range (M as 4-column panels, p × l; also the embedding Y R⁻¹ U S). */
  | { kind: 'timesRows'; x: SharedArrayBuffer; cols: number; panels: SharedArrayBuffer; shift: SharedArrayBuffer; l: number; out: SharedArrayBuffer }
  /**
   * A power-iteration step: with y[r] = x[r] · M − shift as in timesRows, partials[slot] =
   * Σ_r x[r]ᵀ y[r] (p × l, uncentered) followed by Σ_r y[r] (l); y's rows go to `y` if given.
   */
  | { kind: 'gramTimes'; x: SharedArrayBuffer; cols: number; panels: SharedArrayBuffer; shift: SharedArrayBuffer; l: number; partials: SharedArrayBuffer; y?: SharedArrayBuffer }
  /** partials[slot] = [rows, column means (p), sums of squared deviations from them (p)] over the range. */
  | { kind: 'columnMoments'; x: SharedArrayBuffer; cols: number; partials: SharedArrayBuffer }
  /** t-SNE's Barnes-Hut walk: the blocks' repulsion into `out`, their shares of Z into `z`. */
  | { kind: 'barnesHutWalk'; tree: BarnesHutTreeBuffers; n: number; y: SharedArrayBuffer; out: SharedArrayBuffer; z: SharedArrayBuffer }
  | DescentStepTask
  | FftPointsTask
  /** Exact PCA: partials[chunk] = Σ (x_r − μ)ᵀ(x_r − μ) over each chunk's rows (upper triangle, cols × cols); the range counts chunks. */
  | { kind: 'covariance'; x: SharedArrayBuffer; rows: number; cols: number; mean: SharedArrayBuffer; partials: SharedArrayBuffer };

export function sharedFloat64(length: number): Float64Array<SharedArrayBuffer> {
  return new Float64Array(new SharedArrayBuffer(8 * length));
}

export function runRowKernel(task: RowTask, from: number, to: number, slot: number): void {
  switch (task.kind) {
    case 'timesRows':
      return timesRowsWasm(new Float64Array(task.x), task.cols, new Float64Array(task.panels), new Float64Array(task.shift), task.l, new Float64Array(task.out), from, to);
    case 'gramTimes': {
      const size = task.cols * task.l + task.l;
      const part = new Float64Array(task.partials, slot * size * 8, size);
      const y = task.y ? new Float64Array(task.y) : undefined;
      return gramTimesWasm(new Float64Array(task.x), task.cols, new Float64Array(task.panels), new Float64Array(task.shift), task.l, part.subarray(0, size - task.l), part.subarray(size - task.l), y, from, to);
    }
    case 'columnMoments': {
      const p = task.cols;
      const part = new Float64Array(task.partials, slot * (1 + 2 * p) * 8, 1 + 2 * p);
      part[0] = to - from;
      return columnMomentsWasm(new Float64Array(task.x), p, from, to, part.subarray(1, 1 + p), part.subarray(1 + p));
    }
    case 'barnesHutWalk':
      return walkBarnesHut(task.tree, new Float64Array(task.y), task.n, new Float64Array(task.out), new Float64Array(task.z), from, to);
    case 'descentStep':
      return task.kernel === 'js' ? descentStep(task, from, to) : descentStepWasm(task, from, to);
    case 'fftSpread':
    case 'fftForces':
      return runFftPoints(task, from, to);
    case 'covariance': {
      const size = task.cols * task.cols;
      const x = new Float64Array(task.x);
      const mean = new Float64Array(task.mean);
      for (let c = from; c < to; c++) {
        const part = new Float64Array(task.partials, c * size * 8, size);
        covarianceSumsWasm(x, task.cols, mean, c * COVARIANCE_CHUNK_ROWS, Math.min(task.rows, (c + 1) * COVARIANCE_CHUNK_ROWS), part);
      }
      return;
    }
  }
}

import { COVARIANCE_CHUNK_ROWS, covarianceSums } from '../covariance';
import { panelDot4x4 } from '../dot-tile';
import { type BarnesHutTreeBuffers, walkBarnesHut } from '../tsne/barnes-hut';
import { descentStep, type DescentStepTask } from '../tsne/descent-step';
import { type FftPointsTask, runFftPoints } from '../tsne/fft-points';

/**
 * The row-parallel steps of randomized PCA and of t-SNE's optimizer, as tasks a
 * {@link RowPool} thread can run on a range of rows. Every buffer is a SharedArrayBuffer; a PCA
 * task that sums over rows writes its part's sums into slot `slot` of `partials`. The t-SNE
 * tasks count in blocks of rows instead (see tsne/sum-blocks.ts).
 */
export type RowTask =
  /** out[r] = x[r] · M − shift for rows r in range (M as 4-column panels, p × l). */
  | { kind: 'timesRows'; x: SharedArrayBuffer; cols: number; panels: SharedArrayBuffer; shift: SharedArrayBuffer; l: number; out: SharedArrayBuffer }
  /** partials[slot] = Σ_r x[r]ᵀ q[r] over the range (p × l, uncentered). */
  | { kind: 'transposeTimes'; x: SharedArrayBuffer; cols: number; q: SharedArrayBuffer; l: number; partials: SharedArrayBuffer }
  /** partials[slot] = Σ_r a[r]ᵀ a[r] over the range (upper triangle, cols × cols). */
  | { kind: 'gram'; a: SharedArrayBuffer; cols: number; partials: SharedArrayBuffer }
  /** out[r] = a[r] R⁻¹ for rows r in range, R upper triangular (cols × cols). */
  | { kind: 'solve'; a: SharedArrayBuffer; cols: number; r: SharedArrayBuffer; out: SharedArrayBuffer }
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
      return timesRows(new Float64Array(task.x), task.cols, new Float64Array(task.panels), new Float64Array(task.shift), task.l, new Float64Array(task.out), from, to);
    case 'transposeTimes': {
      const size = task.cols * task.l;
      return transposeTimes(new Float64Array(task.x), task.cols, new Float64Array(task.q), task.l, new Float64Array(task.partials, slot * size * 8, size), from, to);
    }
    case 'gram': {
      const size = task.cols * task.cols;
      return gram(new Float64Array(task.a), task.cols, new Float64Array(task.partials, slot * size * 8, size), from, to);
    }
    case 'solve':
      return solve(new Float64Array(task.a), task.cols, new Float64Array(task.r), new Float64Array(task.out), from, to);
    case 'barnesHutWalk':
      return walkBarnesHut(task.tree, new Float64Array(task.y), task.n, new Float64Array(task.out), new Float64Array(task.z), from, to);
    case 'descentStep':
      return descentStep(task, from, to);
    case 'fftSpread':
    case 'fftForces':
      return runFftPoints(task, from, to);
    case 'covariance': {
      const size = task.cols * task.cols;
      const x = new Float64Array(task.x);
      const mean = new Float64Array(task.mean);
      for (let c = from; c < to; c++) {
        const part = new Float64Array(task.partials, c * size * 8, size);
        covarianceSums(x, task.cols, mean, c * COVARIANCE_CHUNK_ROWS, Math.min(task.rows, (c + 1) * COVARIANCE_CHUNK_ROWS), part);
      }
      return;
    }
  }
}

/**
 * Four rows at a time: their non-zero features are gathered once (images are mostly zeros),
 * then each 4 × 4 output tile is summed in registers over them.
 */
function timesRows(data: Float64Array, p: number, panels: Float64Array, shift: Float64Array, l: number, out: Float64Array, from: number, to: number): void {
  const columnPanels = Math.ceil(l / 4);
  const features = new Int32Array(p);
  const values = new Float64Array(4 * p);
  const tile = new Float64Array(16);
  for (let r0 = from; r0 < to; r0 += 4) {
    const rs = Math.min(4, to - r0);
    let count = 0;
    for (let c = 0; c < p; c++) {
      let any = false;
      for (let t = 0; t < rs; t++) if (data[(r0 + t) * p + c] !== 0) any = true;
      if (!any) continue;
      features[count] = 4 * c;
      for (let t = 0; t < 4; t++) values[4 * count + t] = t < rs ? data[(r0 + t) * p + c] : 0;
      count++;
    }
    for (let g = 0; g < columnPanels; g++) {
      gatheredDot4x4(values, features, count, panels, g * 4 * p, tile);
      for (let t = 0; t < rs; t++) {
        for (let b = 0; b < 4 && 4 * g + b < l; b++) out[(r0 + t) * l + 4 * g + b] = tile[4 * t + b] - shift[4 * g + b];
      }
    }
  }
}

/** Rows per chunk: 784 features × 128 rows, transposed, stay in the L2 cache. */
const CHUNK = 128;

/**
 * Rows in chunks, held transposed as panels of four features and four columns of q (see
 * panelDot4x4), so each 4 × 4 output tile sums a chunk in registers; feature panels that are
 * zero throughout a chunk (an image's empty border) are skipped.
 */
function transposeTimes(data: Float64Array, p: number, q: Float64Array, l: number, out: Float64Array, from: number, to: number): void {
  const featurePanels = Math.ceil(p / 4);
  const columnPanels = Math.ceil(l / 4);
  const xs = new Float64Array(featurePanels * 4 * CHUNK);
  const qs = new Float64Array(columnPanels * 4 * CHUNK);
  const nonZero = new Uint8Array(featurePanels);
  const tile = new Float64Array(16);
  out.fill(0);
  for (let r0 = from; r0 < to; r0 += CHUNK) {
    const rows = Math.min(CHUNK, to - r0);
    xs.fill(0);
    qs.fill(0);
    nonZero.fill(0);
    for (let t = 0; t < rows; t++) {
      const at = (r0 + t) * p;
      for (let c = 0; c < p; c++) {
        const v = data[at + c];
        if (v !== 0) {
          xs[(c >> 2) * 4 * CHUNK + 4 * t + (c & 3)] = v;
          nonZero[c >> 2] = 1;
        }
      }
      const qAt = (r0 + t) * l;
      for (let u = 0; u < l; u++) qs[(u >> 2) * 4 * CHUNK + 4 * t + (u & 3)] = q[qAt + u];
    }
    for (let f = 0; f < featurePanels; f++) {
      if (!nonZero[f]) continue;
      for (let g = 0; g < columnPanels; g++) {
        panelDot4x4(xs, f * 4 * CHUNK, qs, g * 4 * CHUNK, rows, tile);
        for (let a = 0; a < 4 && 4 * f + a < p; a++) {
          const o = (4 * f + a) * l + 4 * g;
          for (let b = 0; b < 4 && 4 * g + b < l; b++) out[o + b] += tile[4 * a + b];
        }
      }
    }
  }
}

function gram(a: Float64Array, cols: number, out: Float64Array, from: number, to: number): void {
  out.fill(0);
  for (let r = from; r < to; r++) {
    const o = r * cols;
    for (let i = 0; i < cols; i++) {
      const v = a[o + i];
      if (v === 0) continue;
      for (let j = i; j < cols; j++) out[i * cols + j] += v * a[o + j];
    }
  }
}

/** Forward substitution, row by row; columns whose pivot is 0 come out as 0. */
function solve(a: Float64Array, cols: number, rr: Float64Array, out: Float64Array, from: number, to: number): void {
  for (let r = from; r < to; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) {
      const diag = rr[j * cols + j];
      if (diag === 0) {
        out[o + j] = 0;
        continue;
      }
      let s = a[o + j];
      for (let t = 0; t < j; t++) s -= out[o + t] * rr[t * cols + j];
      out[o + j] = s / diag;
    }
  }
}

/**
 * panelDot4x4 over a gathered list: entry e of the four vectors `values` pairs with the four
 * values of `panel` at `base + offsets[e]`.
 */
function gatheredDot4x4(values: Float64Array, offsets: Int32Array, count: number, panel: Float64Array, base: number, out: Float64Array): void {
  let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
  let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
  let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
  let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
  for (let e = 0; e < count; e++) {
    const w = base + offsets[e];
    const m0 = panel[w], m1 = panel[w + 1], m2 = panel[w + 2], m3 = panel[w + 3];
    let v = values[4 * e];
    s00 += v * m0; s01 += v * m1; s02 += v * m2; s03 += v * m3;
    v = values[4 * e + 1];
    s10 += v * m0; s11 += v * m1; s12 += v * m2; s13 += v * m3;
    v = values[4 * e + 2];
    s20 += v * m0; s21 += v * m1; s22 += v * m2; s23 += v * m3;
    v = values[4 * e + 3];
    s30 += v * m0; s31 += v * m1; s32 += v * m2; s33 += v * m3;
  }
  out[0] = s00; out[1] = s01; out[2] = s02; out[3] = s03;
  out[4] = s10; out[5] = s11; out[6] = s12; out[7] = s13;
  out[8] = s20; out[9] = s21; out[10] = s22; out[11] = s23;
  out[12] = s30; out[13] = s31; out[14] = s32; out[15] = s33;
}

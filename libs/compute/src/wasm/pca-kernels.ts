import { reserveRegions, type WasmKernels, wasmKernels } from './wasm-kernels';

/** The `pca` module (assembly/pca.ts); addresses are bytes in its memory. */
interface PcaExports {
  timesPanels(x: number, rows: number, p: number, panels: number, l: number, shift: number, out: number, scratch: number): void;
  transposeTimes(x: number, rows: number, p: number, xStride: number, q: number, l: number, qStride: number, out: number, scratch: number, upper: number): void;
  timesPanelsScratch(p: number): number;
  transposeTimesScratch(rows: number): number;
  centerRows(from: number, rows: number, p: number, mean: number, to: number, stride: number): void;
  foldMoments(x: number, rows: number, p: number, before: number, mean: number, m2: number, scratch: number): void;
}

/**
 * The heavy passes of PCA on this thread's WebAssembly module: each call copies its blocks of
 * rows into the module's memory, runs the float64 SIMD kernel on them and copies the results
 * out, so callers keep plain (or shared) Float64Arrays. Each function computes what its
 * plain-JavaScript namesake in parallel/js-row-kernels.ts does.
 */

/** Rows copied in per call of the x · M kernel: 256 × 784 float64 stay in the L2 cache. */
const TIMES_BLOCK = 256;
/**
 * Rows per power-iteration block: 128 rows of 784 features (800 KB) are multiplied by M and
 * then by their own products while they are in the L2 cache.
 */
const GRAM_TIMES_BLOCK = 128;
/** Rows per block of the column moments: 128 × 784 float64 stay in the L2 cache for both of their passes. */
const MOMENTS_BLOCK = 128;
/** Rows per covariance block: 128 centered rows of 784 features (800 KB) stay in the L2 cache. */
const COVARIANCE_BLOCK = 128;

const roundUp4 = (n: number) => Math.ceil(n / 4) * 4;

function pcaModule(): WasmKernels<PcaExports> {
  return wasmKernels<PcaExports>('pca');
}

/** Reserves `sizes` (bytes) in the module; returns their addresses and a float64 view of the memory, made after growing it. */
function regions(module: WasmKernels<PcaExports>, sizes: number[]): { at: number[]; f64: Float64Array } {
  const at = reserveRegions(module, sizes);
  return { at, f64: new Float64Array(module.memory.buffer) };
}

/**
 * out[r] = x[r] · M − shift for rows from..to, M given as ceil(l / 4) panels of p × 4
 * (`panels[(u >> 2)·4p + 4c + (u & 3)] = M[c][u]`, zero past l); out is n × l row-major.
 */
export function timesRowsWasm(data: Float64Array, p: number, panels: Float64Array, shift: Float64Array, l: number, out: Float64Array, from: number, to: number): void {
  const module = pcaModule();
  const lp = roundUp4(l);
  const block = Math.min(TIMES_BLOCK, Math.max(to - from, 0));
  const [panelsAt, shiftAt, xAt, outAt, scratchAt] = [0, 1, 2, 3, 4];
  const { at, f64 } = regions(module, [8 * lp * p, 8 * lp, 8 * block * p + 32, 8 * block * l, module.exports.timesPanelsScratch(p)]);
  f64.set(panels.subarray(0, lp * p), at[panelsAt] / 8);
  f64.fill(0, at[shiftAt] / 8, at[shiftAt] / 8 + lp);
  f64.set(shift.subarray(0, l), at[shiftAt] / 8);
  for (let r0 = from; r0 < to; r0 += block) {
    const rows = Math.min(block, to - r0);
    f64.set(data.subarray(r0 * p, (r0 + rows) * p), at[xAt] / 8);
    module.exports.timesPanels(at[xAt], rows, p, at[panelsAt], l, at[shiftAt], at[outAt], at[scratchAt]);
    out.set(f64.subarray(at[outAt] / 8, at[outAt] / 8 + rows * l), r0 * l);
  }
}

/**
 * One power-iteration step over rows from..to, both products on each block of rows while it
 * is in the cache: y[r] = x[r] · M − shift (as {@link timesRowsWasm}), then out = Σ x[r]ᵀ y[r]
 * (p × l row-major, overwritten) and ySums = Σ y[r] (l). With `y` given, the rows of y are
 * written there too (n × l); otherwise they never leave the module.
 */
export function gramTimesWasm(data: Float64Array, p: number, panels: Float64Array, shift: Float64Array, l: number, out: Float64Array, ySums: Float64Array, y: Float64Array | undefined, from: number, to: number): void {
  const module = pcaModule();
  const [pp, lp] = [roundUp4(p), roundUp4(l)];
  const block = Math.min(GRAM_TIMES_BLOCK, Math.max(to - from, 0));
  // x keeps its own row stride p; the reads past a row's end land in the padding rows of the sums, never stored.
  const scratch = Math.max(module.exports.timesPanelsScratch(p), module.exports.transposeTimesScratch(block));
  const { at, f64 } = regions(module, [8 * lp * p, 8 * lp, 8 * block * p + 32, 8 * block * lp, 8 * pp * lp, scratch]);
  const [panelsAt, shiftAt, xAt, yAt, sumsAt, scratchAt] = at;
  f64.set(panels.subarray(0, lp * p), panelsAt / 8);
  f64.fill(0, shiftAt / 8, shiftAt / 8 + lp);
  f64.set(shift.subarray(0, l), shiftAt / 8);
  f64.fill(0, xAt / 8 + block * p, xAt / 8 + block * p + 4);
  f64.fill(0, sumsAt / 8, sumsAt / 8 + pp * lp);
  ySums.fill(0);
  for (let r0 = from; r0 < to; r0 += block) {
    const rows = Math.min(block, to - r0);
    f64.set(data.subarray(r0 * p, (r0 + rows) * p), xAt / 8);
    // All lp columns: the padding ones come out 0 (zero panels, zero shift), as xᵀy needs.
    module.exports.timesPanels(xAt, rows, p, panelsAt, lp, shiftAt, yAt, scratchAt);
    module.exports.transposeTimes(xAt, rows, p, p, yAt, l, lp, sumsAt, scratchAt, 0);
    const yBlock = f64.subarray(yAt / 8, yAt / 8 + rows * lp);
    for (let t = 0; t < rows; t++) for (let u = 0; u < l; u++) ySums[u] += yBlock[t * lp + u];
    if (y) for (let t = 0; t < rows; t++) y.set(yBlock.subarray(t * lp, t * lp + l), (r0 + t) * l);
  }
  for (let c = 0; c < p; c++) out.set(f64.subarray(sumsAt / 8 + c * lp, sumsAt / 8 + c * lp + l), c * l);
}

/**
 * The column means and sums of squared deviations from them (m2) over rows from..to, as a
 * pairwise-stable running merge of blocks (see foldMoments in assembly/pca.ts).
 */
export function columnMomentsWasm(data: Float64Array, p: number, from: number, to: number, mean: Float64Array, m2: Float64Array): void {
  const module = pcaModule();
  const block = Math.min(MOMENTS_BLOCK, Math.max(to - from, 0));
  const { at, f64 } = regions(module, [8 * block * p, 8 * p, 8 * p, 16 * p]);
  const [xAt, meanAt, m2At, scratchAt] = at;
  f64.fill(0, meanAt / 8, meanAt / 8 + p);
  f64.fill(0, m2At / 8, m2At / 8 + p);
  for (let r0 = from; r0 < to; r0 += block) {
    const rows = Math.min(block, to - r0);
    f64.set(data.subarray(r0 * p, (r0 + rows) * p), xAt / 8);
    module.exports.foldMoments(xAt, rows, p, r0 - from, meanAt, m2At, scratchAt);
  }
  mean.set(f64.subarray(meanAt / 8, meanAt / 8 + p));
  m2.set(f64.subarray(m2At / 8, m2At / 8 + p));
}

/**
 * Adds Σ (x_r − μ)ᵀ(x_r − μ) over rows from..to into the upper triangle of `sums` (p × p);
 * the rows are centered before they are multiplied, as covariance.ts explains.
 */
export function covarianceSumsWasm(data: Float64Array, p: number, mean: Float64Array, from: number, to: number, sums: Float64Array, onRows?: (rowsDone: number) => void): void {
  const module = pcaModule();
  const pp = roundUp4(p);
  const block = Math.min(COVARIANCE_BLOCK, Math.max(to - from, 0));
  const { at, f64 } = regions(module, [8 * p, 8 * block * p, 8 * block * pp, 8 * pp * pp, module.exports.transposeTimesScratch(block)]);
  const [meanAt, rawAt, centeredAt, sumsAt, scratchAt] = at;
  f64.set(mean.subarray(0, p), meanAt / 8);
  f64.fill(0, sumsAt / 8, sumsAt / 8 + pp * pp);
  for (let r0 = from; r0 < to; r0 += block) {
    const rows = Math.min(block, to - r0);
    f64.set(data.subarray(r0 * p, (r0 + rows) * p), rawAt / 8);
    module.exports.centerRows(rawAt, rows, p, meanAt, centeredAt, pp);
    module.exports.transposeTimes(centeredAt, rows, p, pp, centeredAt, p, pp, sumsAt, scratchAt, 1);
    onRows?.(r0 + rows);
  }
  addUpperTriangle(f64, sumsAt / 8, pp, p, sums);
}

/** The upper triangle of an n × n block of `from` (row stride `stride`), added into `out` (n × n). */
function addUpperTriangle(from: Float64Array, at: number, stride: number, n: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const row = at + i * stride;
    for (let j = i; j < n; j++) out[i * n + j] += from[row + j];
  }
}

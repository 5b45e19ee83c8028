import { type Matrix } from '../matrix';
import { wasmKernels } from '../wasm/wasm-kernels';

/** The `neighbours` module (assembly/neighbours.ts). */
export interface NeighbourKernels {
  searchBlock(rows: number, panels: number, norms: number, nRefs: number, d: number, q0: number, nq: number, heapDist: number, heapIdx: number, kk: number, refBlock: number): void;
}

/** Reference rows per pass of the kernel: their panels (2048 × 50 float32, 400 kB) stay in L2. */
const REF_BLOCK = 2048;
/** Rows of the reference set are padded to a multiple of this (the kernel's 8-row tile). */
const ROW_TILE = 8;

/** Each query row's kept float32 candidates, as the kernel left them: heaps, not sorted. */
export interface CandidateBlock {
  /** Row q's candidates are at (q − q0) · kk …: −1 where fewer than kk rows were offered. */
  idx: Int32Array;
  dist: Float32Array;
}

/**
 * The float32 candidate search in this thread's `neighbours` module: the rows centred (so
 * that ‖a‖² + ‖b‖² − 2 a·b loses little to cancellation), rounded to float32 and laid out as
 * the kernel reads them, once; then any block of query rows against all of them.
 */
export class Float32CandidateSearch {
  private readonly kernels = wasmKernels<NeighbourKernels>('neighbours');
  private readonly nRefs: number;
  private readonly at: { rows: number; panels: number; norms: number; heapDist: number; heapIdx: number };
  /** ‖x_i − mean‖ of the float64 rows: what the float32 error bound scales with. */
  readonly centredLengths: Float64Array;

  constructor(
    private readonly x: Matrix,
    /** Candidates kept per query row. */
    readonly kk: number,
    /** The most query rows one `search` takes (a multiple of 8). */
    readonly queryBlock: number,
  ) {
    const { rows: n, cols: d } = x;
    this.nRefs = Math.ceil(n / ROW_TILE) * ROW_TILE;
    const rowsBytes = this.nRefs * d * 4;
    const heapBytes = queryBlock * kk * 4;
    const base = this.kernels.reserve(2 * rowsBytes + this.nRefs * 4 + 2 * heapBytes);
    this.at = { rows: base, panels: base + rowsBytes, norms: base + 2 * rowsBytes, heapDist: base + 2 * rowsBytes + this.nRefs * 4, heapIdx: base + 2 * rowsBytes + this.nRefs * 4 + heapBytes };
    this.centredLengths = this.layOut();
  }

  /** The kk nearest rows by float32 distance of rows q0 … q0 + nq − 1 (nq ≤ queryBlock). */
  search(q0: number, nq: number): CandidateBlock {
    const { kk, at } = this;
    const buffer = this.kernels.memory.buffer;
    const tiled = Math.ceil(nq / 4) * 4;
    const dist = new Float32Array(buffer, at.heapDist, tiled * kk).fill(Infinity);
    const idx = new Int32Array(buffer, at.heapIdx, tiled * kk).fill(-1);
    this.kernels.exports.searchBlock(at.rows, at.panels, at.norms, this.nRefs, this.x.cols, q0, tiled, at.heapDist, at.heapIdx, kk, REF_BLOCK);
    return { idx, dist };
  }

  /** Writes rows, panels and norms into the module's memory; returns the centred lengths. */
  private layOut(): Float64Array {
    const { rows: n, cols: d, data } = this.x;
    const buffer = this.kernels.memory.buffer;
    const rows = new Float32Array(buffer, this.at.rows, this.nRefs * d).fill(0);
    const panels = new Float32Array(buffer, this.at.panels, this.nRefs * d);
    const norms = new Float32Array(buffer, this.at.norms, this.nRefs).fill(Infinity);
    const mean = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) mean[t] += data[i * d + t];
    for (let t = 0; t < d; t++) mean[t] /= n;
    const lengths = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let exact = 0, rounded = 0;
      for (let t = 0; t < d; t++) {
        const c = data[i * d + t] - mean[t];
        const r = Math.fround(c);
        rows[i * d + t] = r;
        exact += c * c;
        rounded += r * r;
      }
      lengths[i] = Math.sqrt(exact);
      norms[i] = rounded;
    }
    // Panel p holds component t of rows 8p … 8p + 7 side by side (two f32x4 per component).
    for (let p = 0; p < this.nRefs / ROW_TILE; p++) {
      for (let t = 0; t < d; t++) for (let r = 0; r < ROW_TILE; r++) panels[(p * d + t) * ROW_TILE + r] = rows[(ROW_TILE * p + r) * d + t];
    }
    return lengths;
  }
}

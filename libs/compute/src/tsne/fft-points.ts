import { blockRows, SUM_BLOCK_ROWS } from './sum-blocks';

/**
 * The per-point half of the FFT repulsion (see fft-interpolation.ts): spreading the points'
 * charges onto the grid's nodes and reading the potentials back into forces, with three
 * Lagrange nodes per box and axis. Written out for three nodes: the general loops, with their
 * branches and small arrays, took two to three times as long. Both passes can run on threads
 * (see {@link runFftPoints}); every sum is taken in an order that does not depend on how the
 * points are split among them.
 */
export const NODES_PER_BOX = 3;

/** Where the charges go: square boxes of 3 × 3 nodes, the same on both axes. */
export interface BoxLayout {
  boxes: number;
  width: number;
  /** Lower edge of box 0 (both axes). */
  origin: number;
  /** Charges are taken relative to this coordinate (both axes). */
  centre: number;
  /** Row stride of the grids, in complex values. */
  stride: number;
}

/** The points' visiting order and, per position in it, what {@link spreadCharges} leaves for {@link pointForces}. */
export interface SpreadPoints {
  /** Point → the row of its box. */
  rowOf: Int32Array;
  /** Position → point (see {@link orderByBoxRow}). */
  order: Int32Array;
  /** The complex index (row · stride + column) of the first node of the point's box. */
  nodes: Int32Array;
  /**
   * {@link RECORD_LENGTH} values: the row axis' three Lagrange weights, the column axis', then
   * the point's coordinates relative to the centre. Read back in order, one cache line each,
   * where the coordinates from y would be scattered reads.
   */
  records: Float64Array;
}

export const RECORD_LENGTH = 2 * NODES_PER_BOX + 2;

/**
 * `order` = the points by the row of their box, by counting sort (O(n + boxes)); within a row
 * they keep their index order. Consecutive points then touch the same three grid rows, which
 * stay in the cache, where in index order every point's nodes are scattered reads and writes
 * (measured at 70,000 points with the FFT in between, the two orders cost about the same on
 * one thread). It is what lets threads spread at once: see {@link wholeBoxRows}. The order
 * depends on y alone, and so does every sum taken in it.
 */
export function orderByBoxRow(y: Float64Array, n: number, layout: BoxLayout, points: SpreadPoints): void {
  const { boxes, width, origin } = layout;
  const { rowOf, order } = points;
  const starts = new Int32Array(boxes + 1);
  for (let i = 0; i < n; i++) {
    const row = Math.min(boxes - 1, Math.max(0, Math.floor((y[2 * i] - origin) / width)));
    rowOf[i] = row;
    starts[row + 1]++;
  }
  for (let r = 0; r < boxes; r++) starts[r + 1] += starts[r];
  for (let i = 0; i < n; i++) order[starts[rowOf[i]]++] = i;
}

/**
 * The positions [from, to) of the box rows that begin at a position in [from, to). A box's
 * nodes are its own, so the points of different box rows write to different nodes: ranges
 * snapped this way can be spread at once, each node still summing its charges in one order.
 */
export function wholeBoxRows(points: SpreadPoints, n: number, from: number, to: number): [number, number] {
  const { rowOf, order } = points;
  const snap = (k: number): number => {
    while (k > 0 && k < n && rowOf[order[k]] === rowOf[order[k - 1]]) k++;
    return Math.min(k, n);
  };
  return [snap(from), snap(to)];
}

/**
 * For positions from … to − 1 in `points.order`: each point's box and Lagrange weights per
 * axis, then its four charges (1, y₁, y₂, ‖y‖², relative to the centre) onto the box's
 * nodes, as the real and imaginary parts of `a` and `b`. The grids' nodes must be zero
 * beforehand.
 */
export function spreadCharges(y: Float64Array, layout: BoxLayout, points: SpreadPoints, a: Float32Array, b: Float32Array, from: number, to: number): void {
  const { boxes, width, origin, centre, stride } = layout;
  const { order, nodes, records } = points;
  const rowStep = 2 * stride;
  for (let k = from; k < to; k++) {
    const i = order[k];
    const yi0 = y[2 * i];
    const yi1 = y[2 * i + 1];
    const u0 = (yi0 - origin) / width;
    const box0 = Math.min(boxes - 1, Math.max(0, Math.floor(u0)));
    const u1 = (yi1 - origin) / width;
    const box1 = Math.min(boxes - 1, Math.max(0, Math.floor(u1)));
    // Positions within the box in node units, less each node's (node j sits at j + 0.5); the
    // weight of node j is Π_{k≠j} (s − k − 0.5) / Π_{k≠j} (j − k), denominators 2, −1, 2.
    const s0 = (u0 - box0) * NODES_PER_BOX;
    const r0 = s0 - 0.5, r1 = s0 - 1 - 0.5, r2 = s0 - 2 - 0.5;
    const s1 = (u1 - box1) * NODES_PER_BOX;
    const q0 = s1 - 0.5, q1 = s1 - 1 - 0.5, q2 = s1 - 2 - 0.5;
    const w0 = (r1 * r2) / 2, w1 = -(r0 * r2), w2 = (r0 * r1) / 2;
    const v0 = (q1 * q2) / 2, v1 = -(q0 * q2), v2 = (q0 * q1) / 2;
    const c0 = yi0 - centre;
    const c1 = yi1 - centre;
    const base = RECORD_LENGTH * k;
    records[base] = w0;
    records[base + 1] = w1;
    records[base + 2] = w2;
    records[base + 3] = v0;
    records[base + 4] = v1;
    records[base + 5] = v2;
    records[base + 6] = c0;
    records[base + 7] = c1;
    const node = box0 * NODES_PER_BOX * stride + box1 * NODES_PER_BOX;
    nodes[k] = node;
    const c3 = c0 * c0 + c1 * c1;
    for (let p = 0, at = 2 * node; p < NODES_PER_BOX; p++, at += rowStep) {
      const wp = p === 0 ? w0 : p === 1 ? w1 : w2;
      let w = wp * v0;
      a[at] += w;
      a[at + 1] += w * c0;
      b[at] += w * c1;
      b[at + 1] += w * c3;
      w = wp * v1;
      a[at + 2] += w;
      a[at + 3] += w * c0;
      b[at + 2] += w * c1;
      b[at + 3] += w * c3;
      w = wp * v2;
      a[at + 4] += w;
      a[at + 5] += w * c0;
      b[at + 4] += w * c1;
      b[at + 5] += w * c3;
    }
  }
}

/**
 * The grid kernel at the node offsets (du, dv) within one box, du, dv in −2 … 2, row-major:
 * what a point's own charge contributes to its potential comes from these alone.
 */
export function selfKernel(spacing: number): Float64Array {
  const reach = NODES_PER_BOX - 1;
  const span = 2 * reach + 1;
  const table = new Float64Array(span * span);
  for (let du = -reach; du <= reach; du++) {
    for (let dv = -reach; dv <= reach; dv++) {
      const w = 1 / (1 + (du * du + dv * dv) * spacing * spacing);
      table[(du + reach) * span + dv + reach] = w * w;
    }
  }
  return table;
}

/** What {@link pointForces} reads and writes; `z` takes one partial sum per block of points (see sum-blocks.ts). */
export interface PointForceArrays {
  n: number;
  /** Only `stride` is read. */
  layout: BoxLayout;
  points: SpreadPoints;
  /** The convolved grids (only the points' boxes' nodes are read). */
  a: Float32Array;
  b: Float32Array;
  /** {@link selfKernel} of the layout's node spacing. */
  kernel: Float64Array;
  out: Float64Array;
  z: Float64Array;
}

/**
 * For the points of blocks fromBlock … toBlock − 1: the four potentials read back from the
 * box's nodes, less what the point's own charge put there, then its force
 * Σ_j w_ij² (y_i − y_j) into `out` and its share of Z into the block's partial sum. Blocks are
 * independent, so threads may take any of them and the sums stay the same.
 */
export function pointForces(f: PointForceArrays, fromBlock: number, toBlock: number): void {
  const { n, a, b, kernel: t, out, z } = f;
  const { stride } = f.layout;
  const { order, nodes, records } = f.points;
  const rowStep = 2 * stride;
  for (let block = fromBlock; block < toBlock; block++) {
    const [from, to] = blockRows(block, n);
    let zBlock = 0;
    for (let k = from; k < to; k++) {
      const base = RECORD_LENGTH * k;
      const w0 = records[base], w1 = records[base + 1], w2 = records[base + 2];
      const v0 = records[base + 3], v1 = records[base + 4], v2 = records[base + 5];
      let g0 = 0, g1 = 0, g2 = 0, g3 = 0;
      for (let p = 0, at = 2 * nodes[k]; p < NODES_PER_BOX; p++, at += rowStep) {
        const wp = p === 0 ? w0 : p === 1 ? w1 : w2;
        let w = wp * v0;
        g0 += w * a[at];
        g1 += w * a[at + 1];
        g2 += w * b[at];
        g3 += w * b[at + 1];
        w = wp * v1;
        g0 += w * a[at + 2];
        g1 += w * a[at + 3];
        g2 += w * b[at + 2];
        g3 += w * b[at + 3];
        w = wp * v2;
        g0 += w * a[at + 4];
        g1 += w * a[at + 5];
        g2 += w * b[at + 4];
        g3 += w * b[at + 5];
      }
      // The point's own potential through spreading, the kernel and interpolation,
      // Σ_ab W_a W_b K(node_a − node_b), depends on the node offsets only: with
      // u[d] = Σ_{p−p'=d} W_p W_p' per axis (symmetric in d) it is Σ_du u[du] Σ_dv v[dv] K(du, dv).
      const u0 = w0 * w2, u1 = w0 * w1 + w1 * w2, u2 = w0 * w0 + w1 * w1 + w2 * w2;
      const x0 = v0 * v2, x1 = v0 * v1 + v1 * v2, x2 = v0 * v0 + v1 * v1 + v2 * v2;
      const s =
        u0 * (x0 * t[0] + x1 * t[1] + x2 * t[2] + x1 * t[3] + x0 * t[4]) +
        u1 * (x0 * t[5] + x1 * t[6] + x2 * t[7] + x1 * t[8] + x0 * t[9]) +
        u2 * (x0 * t[10] + x1 * t[11] + x2 * t[12] + x1 * t[13] + x0 * t[14]) +
        u1 * (x0 * t[15] + x1 * t[16] + x2 * t[17] + x1 * t[18] + x0 * t[19]) +
        u0 * (x0 * t[20] + x1 * t[21] + x2 * t[22] + x1 * t[23] + x0 * t[24]);
      const y0 = records[base + 6];
      const y1 = records[base + 7];
      // Removed exactly, so there is no spurious self-force and Z needs no correction.
      const p0 = g0 - s;
      const p1 = g1 - s * y0;
      const p2 = g2 - s * y1;
      const p3 = g3 - s * (y0 * y0 + y1 * y1);
      zBlock += (1 + y0 * y0 + y1 * y1) * p0 - 2 * (y0 * p1 + y1 * p2) + p3;
      const i = order[k];
      out[2 * i] = y0 * p0 - p1;
      out[2 * i + 1] = y1 * p0 - p2;
    }
    z[block] = zBlock;
  }
}

/**
 * Spreading and reading back as RowPool tasks, the range counting blocks of positions (see
 * sum-blocks.ts). Every array is shared: `a` is a copy of the first grid, which lives in the
 * FFT's own memory.
 */
export interface FftPointsTask {
  kind: 'fftSpread' | 'fftForces';
  n: number;
  layout: BoxLayout;
  spacing: number;
  y: SharedArrayBuffer;
  rowOf: SharedArrayBuffer;
  order: SharedArrayBuffer;
  nodes: SharedArrayBuffer;
  records: SharedArrayBuffer;
  a: SharedArrayBuffer;
  b: SharedArrayBuffer;
  out: SharedArrayBuffer;
  z: SharedArrayBuffer;
}

export function runFftPoints(task: FftPointsTask, fromBlock: number, toBlock: number): void {
  const { n, layout } = task;
  const y = new Float64Array(task.y);
  const points = { rowOf: new Int32Array(task.rowOf), order: new Int32Array(task.order), nodes: new Int32Array(task.nodes), records: new Float64Array(task.records) };
  const a = new Float32Array(task.a);
  const b = new Float32Array(task.b);
  if (task.kind === 'fftSpread') {
    const [from, to] = wholeBoxRows(points, n, Math.min(n, fromBlock * SUM_BLOCK_ROWS), Math.min(n, toBlock * SUM_BLOCK_ROWS));
    spreadCharges(y, layout, points, a, b, from, to);
  } else {
    pointForces({ n, layout, points, a, b, kernel: selfKernel(task.spacing), out: new Float64Array(task.out), z: new Float64Array(task.z) }, fromBlock, toBlock);
  }
}

import { type Neighbours } from './neighbours';

/** The symmetric joint probabilities P of t-SNE as a sparse matrix (CSR); all entries sum to 1. */
export interface SparseAffinities {
  n: number;
  rowStart: Int32Array;
  columns: Int32Array;
  values: Float64Array;
}

const PERPLEXITY_TOLERANCE = 1e-7;
const MAX_SEARCH_STEPS = 200;

/**
 * Calibrates one row: finds β = 1/(2σ²) so that p_j ∝ exp(−β d_j) has entropy log(perplexity)
 * (natural log). Writes the normalized p into `out` and returns the entropy reached.
 *
 * The entropy H(β) = log Σ e^{−β d} + β E[d] falls with β, with dH/dβ = −β Var(d), so Newton's
 * step reaches the tolerance in a handful of passes where bisection took about fifty; a step
 * that would leave the bracket known so far (or a flat row, Var(d) = 0) bisects instead, which
 * keeps bisection's guarantee. Distances are shifted by their minimum before exponentiating:
 * the entropy does not change, and rows far from everything no longer underflow to all zeros.
 */
export function calibrateRow(squaredDistances: ArrayLike<number>, from: number, count: number, perplexity: number, out: Float64Array, outFrom: number): number {
  const target = Math.log(perplexity);
  let dMin = Infinity;
  for (let t = 0; t < count; t++) dMin = Math.min(dMin, squaredDistances[from + t]);
  let beta = 1;
  let lo = 0;
  let hi = Infinity;
  let entropy = 0;
  let sum = 0;
  for (let step = 0; step < MAX_SEARCH_STEPS; step++) {
    sum = 0;
    let weighted = 0;
    let weighted2 = 0;
    for (let t = 0; t < count; t++) {
      const shifted = squaredDistances[from + t] - dMin;
      const p = Math.exp(-beta * shifted);
      out[outFrom + t] = p;
      sum += p;
      weighted += p * shifted;
      weighted2 += p * shifted * shifted;
    }
    const mean = weighted / sum;
    entropy = Math.log(sum) + beta * mean;
    const gap = entropy - target;
    if (Math.abs(gap) < PERPLEXITY_TOLERANCE) break;
    // Too flat (gap > 0): sharpen, β up; too sharp: β down.
    if (gap > 0) lo = beta;
    else hi = beta;
    const slope = -beta * (weighted2 / sum - mean * mean);
    const newton = slope < 0 ? beta - gap / slope : NaN;
    if (newton > lo && newton < hi) beta = newton;
    else beta = hi === Infinity ? beta * 2 : (lo + hi) / 2;
  }
  const scale = 1 / sum;
  for (let t = 0; t < count; t++) out[outFrom + t] *= scale;
  return entropy;
}

/**
 * P from each point's nearest neighbours (the Barnes-Hut and FFT methods): p_{j|i} over the
 * k neighbours of i, calibrated to the perplexity, then p_ij = (p_{j|i} + p_{i|j}) / 2n.
 */
export function sparseAffinities(neighbours: Neighbours, perplexity: number): SparseAffinities {
  const { n, k, indices, distances } = neighbours;
  const conditional = new Float64Array(n * k);
  for (let i = 0; i < n; i++) calibrateRow(distances, i * k, k, perplexity, conditional, i * k);
  return symmetrize(n, k, indices, conditional);
}

/** (P + Pᵀ) / 2n for a conditional P stored as k entries per row. */
function symmetrize(n: number, k: number, indices: Int32Array, conditional: Float64Array): SparseAffinities {
  // Incoming edges: for each j, the rows i that list j.
  const inCount = new Int32Array(n + 1);
  for (let e = 0; e < n * k; e++) inCount[indices[e] + 1]++;
  for (let j = 0; j < n; j++) inCount[j + 1] += inCount[j];
  const inFrom = new Int32Array(n * k);
  const inValue = new Float64Array(n * k);
  const fill = inCount.slice(0, n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = indices[i * k + t];
      const at = fill[j]++;
      inFrom[at] = i;
      inValue[at] = conditional[i * k + t];
    }
  }
  const rowStart = new Int32Array(n + 1);
  const columns = new Int32Array(2 * n * k);
  const values = new Float64Array(2 * n * k);
  const slot = new Int32Array(n).fill(-1);
  const scale = 1 / (2 * n);
  let nnz = 0;
  for (let i = 0; i < n; i++) {
    rowStart[i] = nnz;
    const start = nnz;
    for (let t = 0; t < k; t++) {
      const j = indices[i * k + t];
      slot[j] = nnz;
      columns[nnz] = j;
      values[nnz++] = conditional[i * k + t] * scale;
    }
    for (let e = inCount[i]; e < inCount[i + 1]; e++) {
      const j = inFrom[e];
      if (slot[j] >= start) {
        values[slot[j]] += inValue[e] * scale;
      } else {
        slot[j] = nnz;
        columns[nnz] = j;
        values[nnz++] = inValue[e] * scale;
      }
    }
    for (let e = start; e < nnz; e++) slot[columns[e]] = -1;
  }
  rowStart[n] = nnz;
  return { n, rowStart, columns: columns.slice(0, nnz), values: values.slice(0, nnz) };
}

/**
 * Dense P for the exact method: every other point is a neighbour. n × n, symmetric, zero
 * diagonal, summing to 1.
 */
export function denseAffinities(squaredDistances: Float64Array, n: number, perplexity: number): Float64Array {
  const p = new Float64Array(n * n);
  const rowDistances = new Float64Array(n - 1);
  const rowP = new Float64Array(n - 1);
  for (let i = 0; i < n; i++) {
    for (let j = 0, t = 0; j < n; j++) if (j !== i) rowDistances[t++] = squaredDistances[i * n + j];
    calibrateRow(rowDistances, 0, n - 1, perplexity, rowP, 0);
    for (let j = 0, t = 0; j < n; j++) if (j !== i) p[i * n + j] = rowP[t++];
  }
  const scale = 1 / (2 * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = (p[i * n + j] + p[j * n + i]) * scale;
      p[i * n + j] = v;
      p[j * n + i] = v;
    }
  }
  return p;
}

/** All squared Euclidean distances of the rows of x (n × d, row-major). */
export function squaredDistanceMatrix(data: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) {
        const diff = data[i * d + t] - data[j * d + t];
        s += diff * diff;
      }
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}

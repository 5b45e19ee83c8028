import { InvalidInputError, InvalidParameterError } from './errors';
import { type Matrix } from './matrix';
import { symmetricEigen } from './symmetric-eigen';

export interface PcaOptions {
  /** Principal components to keep: a whole number from 1 to the number of columns. */
  components: number;
  /** Called a few times with a fraction in 0..1. */
  onProgress?: (fraction: number, message: string) => void;
}

export interface PcaResult {
  components: number;
  /** Column means (1/n). */
  mean: Float64Array;
  /** The `components` largest eigenvalues of the covariance, largest first. */
  eigenvalues: Float64Array;
  /** Every eigenvalue, largest first. */
  allEigenvalues: Float64Array;
  /** Eigenvalue / total variance (the trace of the covariance). */
  explainedVarianceRatio: Float64Array;
  /** components × features; row c is the c-th principal axis (unit length). */
  basis: Matrix;
  /** rows × components: the centered data projected onto the axes. */
  embedding: Matrix;
}

/** Rows of the data processed together while the covariance is accumulated. */
const BLOCK_ROWS = 64;

/**
 * The lecture's PCA: center each column (mean with 1/n), covariance with 1/(n−1), the
 * eigen-decomposition of that symmetric matrix, the k largest eigenvalues, and the data
 * projected onto their eigenvectors.
 *
 * Sign convention: an eigenvector's sign is arbitrary, so each axis is flipped to make its entry
 * of largest magnitude positive (the first such entry on a tie). Results are then reproducible
 * across runs and machines.
 */
export function pca(x: Matrix, options: PcaOptions): PcaResult {
  const { rows: n, cols: p } = x;
  const k = options.components;
  if (!Number.isInteger(k) || k < 1 || k > p) {
    throw new InvalidParameterError('components', `components must be a whole number from 1 to ${p} (the number of features), not ${k}`);
  }
  if (n < 2) throw new InvalidInputError('TOO_FEW_ROWS', `PCA needs at least 2 rows of data, not ${n}`);
  checkFinite(x);
  const progress = options.onProgress ?? (() => {});

  const mean = columnMeans(x);
  const covariance = centeredCovariance(x, mean);
  progress(0.6, `covariance ${p} x ${p}`);
  const { values, vectors } = symmetricEigen({ rows: p, cols: p, data: covariance });
  progress(0.85, 'eigen-decomposition');

  const basis = new Float64Array(k * p);
  for (let c = 0; c < k; c++) {
    let best = 0;
    for (let i = 1; i < p; i++) if (Math.abs(vectors.data[i * p + c]) > Math.abs(vectors.data[best * p + c])) best = i;
    const sign = vectors.data[best * p + c] < 0 ? -1 : 1;
    for (let i = 0; i < p; i++) basis[c * p + i] = sign * vectors.data[i * p + c];
  }

  let total = 0;
  for (let i = 0; i < p; i++) total += covariance[i * p + i];
  const ratio = values.slice(0, k).map((v) => (total > 0 ? v / total : 0));

  const embedding = new Float64Array(n * k);
  const centered = new Float64Array(p);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < p; i++) centered[i] = x.data[r * p + i] - mean[i];
    for (let c = 0; c < k; c++) {
      let s = 0;
      const b = c * p;
      for (let i = 0; i < p; i++) s += centered[i] * basis[b + i];
      embedding[r * k + c] = s;
    }
  }
  progress(1, 'projected');
  return {
    components: k,
    mean,
    eigenvalues: values.slice(0, k),
    allEigenvalues: values,
    explainedVarianceRatio: ratio,
    basis: { rows: k, cols: p, data: basis },
    embedding: { rows: n, cols: k, data: embedding },
  };
}

function checkFinite(x: Matrix): void {
  for (let i = 0; i < x.data.length; i++) {
    if (!Number.isFinite(x.data[i])) {
      const row = Math.floor(i / x.cols) + 1;
      const column = (i % x.cols) + 1;
      throw new InvalidInputError('DATA_NOT_FINITE', `row ${row}, column ${column} is ${x.data[i]}, not a finite number`, row, column);
    }
  }
}

function columnMeans(x: Matrix): Float64Array {
  const mean = new Float64Array(x.cols);
  for (let r = 0; r < x.rows; r++) for (let i = 0; i < x.cols; i++) mean[i] += x.data[r * x.cols + i];
  for (let i = 0; i < x.cols; i++) mean[i] /= x.rows;
  return mean;
}

/**
 * (X − 1μᵀ)ᵀ(X − 1μᵀ) / (n − 1), accumulated over blocks of rows held transposed, so the inner
 * loop is a dot product over contiguous memory; only the upper triangle is computed. Columns
 * that are zero throughout a block (the borders of images) are skipped.
 */
function centeredCovariance(x: Matrix, mean: Float64Array): Float64Array {
  const { rows: n, cols: p } = x;
  const cov = new Float64Array(p * p);
  const block = new Float64Array(p * BLOCK_ROWS);
  const active = new Int32Array(p);
  for (let r0 = 0; r0 < n; r0 += BLOCK_ROWS) {
    const bs = Math.min(BLOCK_ROWS, n - r0);
    let count = 0;
    for (let i = 0; i < p; i++) {
      let any = false;
      const t = i * BLOCK_ROWS;
      for (let b = 0; b < bs; b++) {
        const value = x.data[(r0 + b) * p + i] - mean[i];
        block[t + b] = value;
        if (value !== 0) any = true;
      }
      if (any) active[count++] = i;
    }
    for (let a = 0; a < count; a++) {
      const i = active[a];
      const ti = i * BLOCK_ROWS;
      for (let c = a; c < count; c++) {
        const j = active[c];
        const tj = j * BLOCK_ROWS;
        let s = 0;
        for (let b = 0; b < bs; b++) s += block[ti + b] * block[tj + b];
        cov[i * p + j] += s;
      }
    }
  }
  const scale = 1 / (n - 1);
  for (let i = 0; i < p; i++) {
    for (let j = i; j < p; j++) {
      const v = cov[i * p + j] * scale;
      cov[i * p + j] = v;
      cov[j * p + i] = v;
    }
  }
  return cov;
}

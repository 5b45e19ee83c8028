import { centeredCovariance, columnMeans } from './covariance';
import { panelDot4x4 } from './dot-tile';
import { InvalidInputError, InvalidParameterError } from './errors';
import { assertFinite, type Matrix } from './matrix';
import { symmetricEigen } from './symmetric-eigen';

export interface PcaOptions {
  /** Principal components to keep: a whole number from 1 to the number of features (columns). */
  components: number;
  /**
   * Called a handful of times with the fraction done (0..1, increasing) and what was just
   * finished; the last call has fraction 1. PCA runs synchronously, so this is for logs and
   * progress bars, not for cancelling.
   */
  onProgress?: (fraction: number, message: string) => void;
}

export interface PcaResult {
  /** How many components were kept (k). */
  components: number;
  /** Column means (1/n), subtracted before everything else. */
  mean: Float64Array;
  /** The k largest eigenvalues of the covariance (the variance along each axis), largest first. */
  eigenvalues: Float64Array;
  /** Every eigenvalue the solver found, largest first: all of them for the exact solver. */
  allEigenvalues: Float64Array;
  /** Each kept eigenvalue over the total variance (the trace of the covariance). */
  explainedVarianceRatio: Float64Array;
  /** k × features; row c is the c-th principal axis, unit length, signed as {@link pca} says. */
  basis: Matrix;
  /** rows × k: the centered data projected onto the axes. */
  embedding: Matrix;
}

/**
 * The lecture's PCA: center each column (mean with 1/n), covariance with 1/(n − 1), the
 * eigen-decomposition of that symmetric matrix, the k largest eigenvalues, and the centered data
 * projected onto their eigenvectors.
 *
 * Sign convention: an eigenvector's sign is arbitrary, so each axis is flipped to make its entry
 * of largest magnitude positive (on a tie, the first such entry). Results are then the same on
 * every run and machine; they may differ in sign from other tools, per component.
 *
 * Eigenvalues that come out negative are rounding noise (a covariance is positive semidefinite)
 * and are reported as 0, so variance ratios are never negative.
 *
 * @throws {InvalidParameterError} `components` is not a whole number from 1 to the feature count
 * @throws {InvalidInputError} fewer than 2 rows, a value that is NaN or infinite, or a malformed matrix
 */
export function pca(x: Matrix, options: PcaOptions): PcaResult {
  checkShape(x);
  const { rows: n, cols: p } = x;
  const k = options.components;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > p) {
    throw new InvalidParameterError(
      'components',
      `components must be a whole number from 1 to ${p} (the number of features), not ${String(k)}`,
    );
  }
  if (n < 2) throw new InvalidInputError('TOO_FEW_ROWS', `PCA needs at least 2 rows of data, not ${n}`);
  assertFinite(x);
  const progress = options.onProgress ?? (() => {});

  const mean = columnMeans(x);
  const covariance = centeredCovariance(x, mean, (f) => progress(0.6 * f, `covariance: ${Math.round(f * n)} of ${n} rows`));
  progress(0.6, `covariance ${p} x ${p}`);
  const { values, vectors } = symmetricEigen({ rows: p, cols: p, data: covariance });
  for (let i = 0; i < p; i++) values[i] = Math.max(values[i], 0);
  progress(0.85, `eigen-decomposition of ${p} x ${p}`);

  const basis = orientedAxes(vectors, k);
  let total = 0;
  for (let i = 0; i < p; i++) total += covariance[i * p + i];
  const eigenvalues = values.slice(0, k);
  const ratio = eigenvalues.map((v) => (total > 0 ? v / total : 0));
  const embedding = project(x, mean, basis, k);
  progress(1, `projected ${n} rows onto ${k} component${k === 1 ? '' : 's'}`);
  return {
    components: k,
    mean,
    eigenvalues,
    allEigenvalues: values,
    explainedVarianceRatio: ratio,
    basis: { rows: k, cols: p, data: basis },
    embedding: { rows: n, cols: k, data: embedding },
  };
}

/** The first k columns of `vectors` as rows, each flipped so its largest-magnitude entry is positive. */
export function orientedAxes(vectors: Matrix, k: number): Float64Array {
  const { rows: p, cols: stride, data: v } = vectors;
  const basis = new Float64Array(k * p);
  for (let c = 0; c < k; c++) {
    let best = 0;
    for (let i = 1; i < p; i++) if (Math.abs(v[i * stride + c]) > Math.abs(v[best * stride + c])) best = i;
    const sign = v[best * stride + c] < 0 ? -1 : 1;
    for (let i = 0; i < p; i++) basis[c * p + i] = sign * v[i * stride + c];
  }
  return basis;
}

/**
 * (X − 1μᵀ) Bᵀ, four rows against four axes at a time, both as interleaved panels (see
 * panelDot4x4). Rows are centered before the product rather than subtracting μ·b afterwards,
 * for the same cancellation reason as the covariance.
 */
export function project(x: Matrix, mean: Float64Array, basis: Float64Array, k: number): Float64Array {
  const { rows: n, cols: p, data } = x;
  const axisPanels = Math.ceil(k / 4);
  const axes = new Float64Array(axisPanels * 4 * p);
  for (let c = 0; c < k; c++) {
    const start = (c >> 2) * 4 * p + (c & 3);
    for (let i = 0; i < p; i++) axes[start + 4 * i] = basis[c * p + i];
  }
  const rows = new Float64Array(4 * p);
  const tile = new Float64Array(16);
  const out = new Float64Array(n * k);
  for (let r0 = 0; r0 < n; r0 += 4) {
    const rs = Math.min(4, n - r0);
    // In a last, partial group the unused slots keep leftovers whose sums are never stored.
    for (let u = 0; u < rs; u++) {
      const src = (r0 + u) * p;
      for (let i = 0; i < p; i++) rows[4 * i + u] = data[src + i] - mean[i];
    }
    for (let g = 0; g < axisPanels; g++) {
      panelDot4x4(rows, 0, axes, g * 4 * p, p, tile);
      for (let u = 0; u < rs; u++) {
        for (let w = 0; w < 4 && 4 * g + w < k; w++) out[(r0 + u) * k + 4 * g + w] = tile[u * 4 + w];
      }
    }
  }
  return out;
}

function checkShape(x: Matrix): void {
  const { rows, cols, data } = x;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0 || data.length !== rows * cols) {
    throw new InvalidInputError('MATRIX_SHAPE', `the matrix says ${rows} x ${cols} but holds ${data.length} values`);
  }
  if (cols === 0) throw new InvalidInputError('MATRIX_SHAPE', 'the data has no columns (features)');
}

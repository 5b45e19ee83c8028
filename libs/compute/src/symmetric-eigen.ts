import { ConvergenceError, InvalidInputError } from './errors';
import { type Matrix } from './matrix';

export interface SymmetricEigen {
  /** Eigenvalues, largest first. */
  values: Float64Array;
  /** Eigenvectors as columns, in the order of `values`; orthonormal. */
  vectors: Matrix;
}

/**
 * Eigen-decomposition of a real symmetric matrix: Householder reduction to tridiagonal form,
 * then the implicit QL algorithm (the EISPACK tred2/tql2 pair, as in JAMA). O(n³), backward
 * stable, about a second for n = 784. Both steps run on the transpose of JAMA's arrays, so
 * that their inner loops walk contiguous memory instead of striding down columns.
 *
 * Only the upper triangle (diagonal included) is read; symmetry is assumed, not checked.
 *
 * @throws {InvalidInputError} the matrix is not square or holds NaN or an infinity
 * @throws {ConvergenceError} the QL iteration did not settle (not expected for finite input)
 */
export function symmetricEigen(a: Matrix): SymmetricEigen {
  const n = a.rows;
  if (a.cols !== n || a.data.length !== n * n) {
    throw new InvalidInputError('NOT_SQUARE', `an eigen-decomposition needs a square matrix, not ${a.rows} x ${a.cols} (${a.data.length} values)`);
  }
  for (let i = 0; i < a.data.length; i++) {
    if (!Number.isFinite(a.data[i])) {
      const row = Math.floor(i / n) + 1;
      const column = (i % n) + 1;
      throw new InvalidInputError('DATA_NOT_FINITE', `row ${row}, column ${column} of the matrix is ${a.data[i]}, not a finite number`, { row, column });
    }
  }
  const v = Float64Array.from(a.data);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n > 0) {
    tridiagonalize(v, d, e, n);
    diagonalize(v, d, e, n);
    return sortDescending(d, v, n);
  }
  return { values: d, vectors: { rows: 0, cols: 0, data: v } };
}

/**
 * tred2 with every index pair of JAMA's V swapped: v ends as the transpose of the orthogonal
 * transformation (its rows are the basis vectors), d the diagonal, e the off-diagonal.
 */
function tridiagonalize(v: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = v[j * n + (n - 1)];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = v[j * n + (i - 1)];
        v[j * n + i] = 0;
        v[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        v[i * n + j] = f;
        g = e[j] + v[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += v[j * n + k] * d[k];
          e[k] += v[j * n + k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) v[j * n + k] -= f * e[k] + g * d[k];
        d[j] = v[j * n + (i - 1)];
        v[j * n + i] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    v[i * n + (n - 1)] = v[i * n + i];
    v[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = v[(i + 1) * n + k] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += v[(i + 1) * n + k] * v[j * n + k];
        for (let k = 0; k <= i; k++) v[j * n + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) v[(i + 1) * n + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = v[j * n + (n - 1)];
    v[j * n + (n - 1)] = 0;
  }
  v[(n - 1) * n + (n - 1)] = 1;
  e[0] = 0;
}

/**
 * QL iterations allowed per eigenvalue, pooled over the whole matrix as LAPACK's dsteqr does; a
 * typical eigenvalue needs 1 to 3. The limit only turns a would-be endless loop into an error.
 */
const ITERATIONS_PER_EIGENVALUE = 30;

/** tql2 on the transposed transformation w: eigenvectors end up as the rows of w. */
function diagonalize(w: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  const budget = ITERATIONS_PER_EIGENVALUE * n;
  let iterations = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n && Math.abs(e[m]) > eps * tst1) m++;
    if (m === n) m = n - 1;
    if (m > l) {
      do {
        if (++iterations > budget) throw new ConvergenceError(l, iterations - 1);
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          const rowI = i * n;
          const rowNext = (i + 1) * n;
          for (let k = 0; k < n; k++) {
            const x = w[rowNext + k];
            w[rowNext + k] = s * w[rowI + k] + c * x;
            w[rowI + k] = c * w[rowI + k] - s * x;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

/** Orders by eigenvalue, largest first, and lays the vectors out as columns. */
function sortDescending(d: Float64Array, rowsOfVectors: Float64Array, n: number): SymmetricEigen {
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[b] - d[a]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = d[src];
    for (let k = 0; k < n; k++) vectors[k * n + dst] = rowsOfVectors[src * n + k];
  });
  return { values, vectors: { rows: n, cols: n, data: vectors } };
}

import { columnMeans } from './covariance';
import { InvalidParameterError } from './errors';
import { assertFinite, type Matrix } from './matrix';
import { orientedAxes, type PcaResult } from './pca';
import { normalSource, seededRandom } from './random';
import { symmetricEigen } from './symmetric-eigen';

export interface RandomizedPcaOptions {
  components: number;
  /** Extra random directions beyond `components`. @default 10 */
  oversampling?: number;
  /** Power iterations: each sharpens the spectrum's decay at the cost of two passes over the data. @default 2 */
  powerIterations?: number;
  /** @default 0 */
  seed?: number;
  /** Called after each pass over the data with the fraction done (0..1). */
  onProgress?: (fraction: number, message: string) => void;
}

/**
 * Randomized PCA (Halko, Martinsson & Tropp 2011): the range of the centered data is found
 * from its product with random directions, refined by power iterations, and the principal
 * axes come from the small projected matrix. Costs O(n·p·l) per pass with l = k + oversampling,
 * against O(n·p²) for the covariance; 2q + 2 passes in all, the projection included (it is
 * Q U S, not another pass). The data is centered implicitly, never copied.
 *
 * Signs follow {@link pca}'s convention, so both solvers agree up to the randomized one's error.
 */
export function randomizedPca(x: Matrix, options: RandomizedPcaOptions): PcaResult {
  const { rows: n, cols: p } = x;
  const k = options.components;
  if (!Number.isInteger(k) || k < 1 || k > Math.min(n, p)) {
    throw new InvalidParameterError('components', `components must be a whole number from 1 to ${Math.min(n, p)}, not ${k}`);
  }
  assertFinite(x);
  const l = Math.min(k + (options.oversampling ?? 10), n, p);
  const q = options.powerIterations ?? 2;
  const mean = columnMeans(x);
  const normal = normalSource(seededRandom(options.seed ?? 0));

  // Ω as l rows of p: the "basis" shape that `project` multiplies by.
  const omega = new Float64Array(l * p);
  for (let t = 0; t < omega.length; t++) omega[t] = normal();
  const passes = 2 * q + 2;
  const progress = (pass: number) => options.onProgress?.(pass / passes, `randomized PCA: pass ${pass} of ${passes} over the data`);
  let basis = orthonormalRows(timesRows(x, mean, transpose(omega, l, p), l), n, l);
  progress(1);
  for (let it = 0; it < q; it++) {
    const z = orthonormalRows(transposeTimes(x, mean, basis, l), p, l);
    progress(2 * it + 2);
    basis = orthonormalRows(timesRows(x, mean, z, l), n, l);
    progress(2 * it + 3);
  }
  // B = Qᵀ X_c is l × p; here as its transpose Z (p × l). BBᵀ = ZᵀZ gives B's singular values.
  const z = transposeTimes(x, mean, basis, l);
  const gram = new Float64Array(l * l);
  for (let c = 0; c < p; c++) {
    for (let a = 0; a < l; a++) {
      const v = z[c * l + a];
      for (let b = a; b < l; b++) gram[a * l + b] += v * z[c * l + b];
    }
  }
  for (let a = 0; a < l; a++) for (let b = 0; b < a; b++) gram[a * l + b] = gram[b * l + a];
  const { values, vectors } = symmetricEigen({ rows: l, cols: l, data: gram });

  // Right singular vectors V = Z U / s, as p × l columns for orientedAxes.
  const v = new Float64Array(p * l);
  for (let c = 0; c < l; c++) {
    const s = Math.sqrt(Math.max(values[c], 0));
    if (s === 0) continue;
    for (let f = 0; f < p; f++) {
      let sum = 0;
      for (let a = 0; a < l; a++) sum += z[f * l + a] * vectors.data[a * l + c];
      v[f * l + c] = sum / s;
    }
  }
  const axes = orientedAxes({ rows: p, cols: l, data: v }, k);
  const all = values.map((value) => Math.max(value, 0) / (n - 1));
  const eigenvalues = all.slice(0, k);
  const total = totalVariance(x, mean);
  // X_c V = Q B V = Q U S: no further pass over the data. Signs follow the oriented axes.
  const embedding = new Float64Array(n * k);
  for (let c = 0; c < k; c++) {
    const s = Math.sqrt(Math.max(values[c], 0));
    let sign = 0;
    for (let f = 0; f < p && sign === 0; f++) if (v[f * l + c] !== 0) sign = Math.sign(axes[c * p + f] / v[f * l + c]);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let a = 0; a < l; a++) sum += basis[i * l + a] * vectors.data[a * l + c];
      embedding[i * k + c] = sign * s * sum;
    }
  }
  progress(passes);
  return {
    components: k,
    mean,
    eigenvalues,
    allEigenvalues: all,
    explainedVarianceRatio: eigenvalues.map((e) => (total > 0 ? e / total : 0)),
    basis: { rows: k, cols: p, data: axes },
    embedding: { rows: n, cols: k, data: embedding },
  };
}

/**
 * (X − 1μᵀ)ᵀ Q for Q with `l` columns (n × l, row-major); p × l out. Four rows at a time, so
 * each entry of the output is loaded and stored once per four multiply-adds.
 */
function transposeTimes(x: Matrix, mean: Float64Array, q: Float64Array, l: number): Float64Array {
  const { rows: n, cols: p, data } = x;
  const out = new Float64Array(p * l);
  const columnSums = new Float64Array(l);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const x0 = i * p, x1 = x0 + p, x2 = x1 + p, x3 = x2 + p;
    const q0 = i * l, q1 = q0 + l, q2 = q1 + l, q3 = q2 + l;
    for (let c = 0; c < p; c++) {
      const a0 = data[x0 + c], a1 = data[x1 + c], a2 = data[x2 + c], a3 = data[x3 + c];
      if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0) continue;
      const o = c * l;
      for (let u = 0; u < l; u++) out[o + u] += a0 * q[q0 + u] + a1 * q[q1 + u] + a2 * q[q2 + u] + a3 * q[q3 + u];
    }
  }
  for (; i < n; i++) {
    for (let c = 0; c < p; c++) {
      const a = data[i * p + c];
      for (let u = 0; u < l; u++) out[c * l + u] += a * q[i * l + u];
    }
  }
  for (let r = 0; r < n; r++) for (let u = 0; u < l; u++) columnSums[u] += q[r * l + u];
  // Centering afterwards is safe here: Q's columns are orthonormal, so nothing cancels badly.
  for (let c = 0; c < p; c++) for (let u = 0; u < l; u++) out[c * l + u] -= mean[c] * columnSums[u];
  return out;
}

/**
 * (X − 1μᵀ) M for M of p × l (row-major); n × l out. Four rows at a time against each row of M,
 * skipping features that are zero in all four rows (image data is mostly zeros); the mean is
 * subtracted afterwards as 1 (μᵀM), which is harmless for finding a range.
 */
function timesRows(x: Matrix, mean: Float64Array, m: Float64Array, l: number): Float64Array {
  const { rows: n, cols: p, data } = x;
  const out = new Float64Array(n * l);
  const shift = new Float64Array(l);
  for (let c = 0; c < p; c++) for (let u = 0; u < l; u++) shift[u] += mean[c] * m[c * l + u];
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const x0 = i * p, x1 = x0 + p, x2 = x1 + p, x3 = x2 + p;
    const o0 = i * l, o1 = o0 + l, o2 = o1 + l, o3 = o2 + l;
    for (let c = 0; c < p; c++) {
      const a0 = data[x0 + c], a1 = data[x1 + c], a2 = data[x2 + c], a3 = data[x3 + c];
      if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0) continue;
      const mc = c * l;
      for (let u = 0; u < l; u++) {
        const w = m[mc + u];
        out[o0 + u] += a0 * w;
        out[o1 + u] += a1 * w;
        out[o2 + u] += a2 * w;
        out[o3 + u] += a3 * w;
      }
    }
  }
  for (; i < n; i++) {
    for (let c = 0; c < p; c++) {
      const a = data[i * p + c];
      if (a !== 0) for (let u = 0; u < l; u++) out[i * l + u] += a * m[c * l + u];
    }
  }
  for (let r = 0; r < n; r++) for (let u = 0; u < l; u++) out[r * l + u] -= shift[u];
  return out;
}

function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

/**
 * Orthonormal columns spanning those of `a` (rows × cols, row-major), by Cholesky QR done twice
 * (the second pass repairs what the first loses to rounding). Columns that are numerically
 * dependent come out as zero rather than as noise.
 */
function orthonormalRows(a: Float64Array, rows: number, cols: number): Float64Array {
  return choleskyQr(choleskyQr(a, rows, cols), rows, cols);
}

function choleskyQr(a: Float64Array, rows: number, cols: number): Float64Array {
  const g = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let i = 0; i < cols; i++) {
      const v = a[o + i];
      if (v === 0) continue;
      for (let j = i; j < cols; j++) g[i * cols + j] += v * a[o + j];
    }
  }
  // Upper-triangular R with RᵀR = G.
  const rr = new Float64Array(cols * cols);
  let largest = 0;
  for (let i = 0; i < cols; i++) largest = Math.max(largest, g[i * cols + i]);
  const floor = largest * 1e-28;
  for (let i = 0; i < cols; i++) {
    let d = g[i * cols + i];
    for (let t = 0; t < i; t++) d -= rr[t * cols + i] ** 2;
    const diag = d > floor ? Math.sqrt(d) : 0;
    rr[i * cols + i] = diag;
    for (let j = i + 1; j < cols; j++) {
      let s = g[i * cols + j];
      for (let t = 0; t < i; t++) s -= rr[t * cols + i] * rr[t * cols + j];
      rr[i * cols + j] = diag > 0 ? s / diag : 0;
    }
  }
  // Q = A R⁻¹, row by row (forward substitution on each row).
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) {
      const diag = rr[j * cols + j];
      if (diag === 0) continue;
      let s = a[o + j];
      for (let t = 0; t < j; t++) s -= out[o + t] * rr[t * cols + j];
      out[o + j] = s / diag;
    }
  }
  return out;
}

function totalVariance(x: Matrix, mean: Float64Array): number {
  const { rows: n, cols: p, data } = x;
  let total = 0;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < p; c++) {
      const d = data[r * p + c] - mean[c];
      total += d * d;
    }
  }
  return total / (n - 1);
}

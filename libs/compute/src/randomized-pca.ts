import { InvalidParameterError } from './errors';
import { assertFinite, type Matrix } from './matrix';
import { orientedAxes, type PcaResult } from './pca';
import { RowPool } from './parallel/row-pool';
import { runRowKernel, type RowTask, sharedFloat64 } from './parallel/row-kernels';
import { normalSource, seededRandom } from './random';
import { symmetricEigen } from './symmetric-eigen';

export interface RandomizedPcaOptions {
  components: number;
  /** Extra random directions beyond `components`. @default components + 10: l = 2k + 10 directions in all */
  oversampling?: number;
  /** Power iterations: each sharpens the spectrum's decay at the cost of one more pass over the data. @default {@link DEFAULT_POWER_ITERATIONS} */
  powerIterations?: number;
  /** @default 0 */
  seed?: number;
  /** Threads to use on large data (all cores by default). */
  threads?: number;
  /** Called after each pass over the data with the fraction done (0..1). */
  onProgress?: (fraction: number, message: string) => void;
}

/**
 * Randomized PCA (Halko, Martinsson & Tropp 2011): the range of the centered data is found
 * from its product with random directions, refined by power iterations, and the principal
 * axes come from the small projected matrix. Costs O(n·p·l) per pass with l = k + oversampling,
 * against O(n·p²) for the covariance; q + 1 passes over the data in all (and a cheap one for
 * the column moments), each multiplying a block of rows by a p × l matrix and then by its own
 * product while the block is in the cache (X_cᵀ X_c Z), the projection included (it is
 * Y R⁻¹ U S, not another pass). The data is centered implicitly, never copied. All of it runs
 * in float64.
 *
 * Signs follow {@link pca}'s convention, so both solvers agree up to the randomized one's error.
 */
export function randomizedPca(x: Matrix, options: RandomizedPcaOptions): PcaResult {
  const { rows: n, cols: p } = x;
  const k = options.components;
  if (!Number.isInteger(k) || k < 1 || k > Math.min(n, p)) {
    throw new InvalidParameterError('components', `components must be a whole number from 1 to ${Math.min(n, p)}, not ${k}`);
  }
  const l = Math.min(k + (options.oversampling ?? defaultOversampling(k)), n, p);
  const q = options.powerIterations ?? DEFAULT_POWER_ITERATIONS;
  const normal = normalSource(seededRandom(options.seed ?? 0));
  const passes = q + 1;
  const progress = (pass: number) => options.onProgress?.(pass / passes, `randomized PCA: pass ${pass} of ${passes} over the data`);

  const pool = n * p * l >= PARALLEL_MIN_WORK ? RowPool.open(options.threads) : undefined;
  try {
    const steps = new Steps(x, l, pool);
    const { mean, total } = steps;
    // A NaN or infinity leaves its column's moments non-finite: only then is the data searched for it.
    if (!Number.isFinite(total) || !mean.every(Number.isFinite)) assertFinite(x);
    // Ω: p × l standard normal.
    let z: Float64Array = new Float64Array(p * l);
    for (let t = 0; t < z.length; t++) z[t] = normal();
    // Z ← orth(X_cᵀ X_c Z): only the small p × l side is orthonormalized. X_c Z for
    // orthonormal (or Gaussian) Z is as well conditioned as X_c's leading l singular values
    // are spread, so the n × l products never need it and never leave the threads.
    for (let it = 0; it < q; it++) {
      z = smallOrthonormal(steps.gramTimes(z).w, p, l);
      progress(it + 1);
    }
    // The last pass keeps Y = X_c Z (n × l) besides W = X_cᵀ Y. With Y = Q R (RᵀR = YᵀY = ZᵀW),
    // B = Qᵀ X_c = R⁻ᵀ Wᵀ, here as its transpose Bᵀ = W R⁻¹ (p × l); BBᵀ gives B's singular values.
    const { w, y } = steps.gramTimes(z, true);
    const rInverse = triangularInverse(choleskyFactor(symmetricProduct(z, w, p, l), l), l);
    const bt = multiply(w, rInverse, p, l, l);
    const gramB = new Float64Array(l * l);
    for (let c = 0; c < p; c++) {
      for (let a = 0; a < l; a++) {
        const v = bt[c * l + a];
        for (let b = a; b < l; b++) gramB[a * l + b] += v * bt[c * l + b];
      }
    }
    for (let a = 0; a < l; a++) for (let b = 0; b < a; b++) gramB[a * l + b] = gramB[b * l + a];
    const { values, vectors } = symmetricEigen({ rows: l, cols: l, data: gramB });

    // Right singular vectors V = Bᵀ U / s, as p × l columns for orientedAxes.
    const v = new Float64Array(p * l);
    for (let c = 0; c < l; c++) {
      const s = Math.sqrt(Math.max(values[c], 0));
      if (s === 0) continue;
      for (let f = 0; f < p; f++) {
        let sum = 0;
        for (let a = 0; a < l; a++) sum += bt[f * l + a] * vectors.data[a * l + c];
        v[f * l + c] = sum / s;
      }
    }
    const axes = orientedAxes({ rows: p, cols: l, data: v }, k);
    const all = values.map((value) => Math.max(value, 0) / (n - 1));
    const eigenvalues = all.slice(0, k);
    // X_c V = Q B V = Q U S = Y R⁻¹ U S: one product of Y with an l × k matrix (signs following
    // the oriented axes), not another pass over the data.
    const us = new Float64Array(l * k);
    for (let c = 0; c < k; c++) {
      const s = Math.sqrt(Math.max(values[c], 0));
      let sign = 0;
      for (let f = 0; f < p && sign === 0; f++) if (v[f * l + c] !== 0) sign = Math.sign(axes[c * p + f] / v[f * l + c]);
      for (let a = 0; a < l; a++) us[a * k + c] = sign * s * vectors.data[a * l + c];
    }
    const embedding = steps.product(y, l, multiply(rInverse, us, l, l, k), k);
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
  } finally {
    pool?.close();
  }
}

/**
 * Extra directions and power iterations by default. More directions converge faster than more
 * iterations for the same work: each iteration shrinks the trailing axes' error by about
 * (σ_{l+1}/σ_k)² and costs a pass over the data. On Fashion-MNIST (70,000 × 784, k = 50),
 * against the exact axes: l = 2k + 10 and q = 2 (3 passes with 110 directions) come within
 * 1.0–1.4e-5 of the explained variance ratios, every axis correlating at least 0.983 with the
 * exact one (seeds 0–2); scikit-learn's defaults (l = k + 10, 7 iterations with LU, 16 half
 * passes with 60 directions) within 2.0e-5 and 0.928; l = k + 10 with q = 2 (the previous
 * default) only within 1.7e-4 and 0.06, and with q = 7 within 1.3e-5 and 0.953.
 */
export const DEFAULT_POWER_ITERATIONS = 2;
export function defaultOversampling(components: number): number {
  return components + 10;
}

/** Work (n·p·l multiply-adds per pass) from which threads pay for their start-up. */
const PARALLEL_MIN_WORK = 50_000_000;

/** The passes over the data, on a {@link RowPool} when there is one; buffers are shared so threads can read them. */
class Steps {
  private readonly x: Float64Array<SharedArrayBuffer>;
  private readonly parts: number;
  private readonly rows: number;
  /** Column means (1/n). */
  readonly mean: Float64Array;
  /** The total variance, Σ_c Σ_r (x_rc − μ_c)² / (n − 1). */
  readonly total: number;

  constructor(
    matrix: Matrix,
    private readonly l: number,
    private readonly pool: RowPool | undefined,
  ) {
    // Threads need the data in shared memory; data loaded that way is used as it is.
    const data = matrix.data;
    this.x = data.buffer instanceof SharedArrayBuffer && data.byteOffset === 0 ? (data as Float64Array<SharedArrayBuffer>) : toShared(data);
    this.parts = pool?.parts ?? 1;
    this.rows = matrix.rows;
    const moments = this.columnMoments(matrix.cols);
    this.mean = moments.mean;
    this.total = moments.m2.reduce((sum, v) => sum + v, 0) / (matrix.rows - 1);
  }

  /** Each part's column means and squared deviations, merged (Chan, Golub & LeVeque's update). */
  private columnMoments(p: number): { mean: Float64Array; m2: Float64Array } {
    const size = 1 + 2 * p;
    const partials = sharedFloat64(this.parts * size);
    this.run({ kind: 'columnMoments', x: this.x.buffer, cols: p, partials: partials.buffer });
    const mean = new Float64Array(p);
    const m2 = new Float64Array(p);
    let count = 0;
    for (let part = 0; part < this.parts; part++) {
      const rows = partials[part * size];
      if (rows === 0) continue;
      const total = count + rows;
      for (let c = 0; c < p; c++) {
        const partMean = partials[part * size + 1 + c];
        const delta = partMean - mean[c];
        mean[c] += (delta * rows) / total;
        m2[c] += partials[part * size + 1 + p + c] + (delta * delta * count * rows) / total;
      }
      count = total;
    }
    return { mean, m2 };
  }

  private get n(): number {
    return this.rows;
  }

  private run(task: RowTask): void {
    if (this.pool) this.pool.run(task, this.n);
    else runRowKernel(task, 0, this.n, 0);
  }

  /**
   * W = X_cᵀ Y for Y = X_c M (M p × l), and Y itself when asked for. Y's shift by 1 (μᵀM) is
   * exact centering; W = Xᵀ Y − μ (1ᵀY) then, where 1ᵀY is rounding only, taken off all the same.
   */
  gramTimes(m: Float64Array, keepY = false): { w: Float64Array; y: Float64Array<SharedArrayBuffer> } {
    const p = this.mean.length;
    const l = this.l;
    const shift = sharedFloat64(l);
    for (let c = 0; c < p; c++) for (let u = 0; u < l; u++) shift[u] += this.mean[c] * m[c * l + u];
    const size = p * l + l;
    const partials = sharedFloat64(this.parts * size);
    const y = sharedFloat64(keepY ? this.n * l : 0);
    this.run({ kind: 'gramTimes', x: this.x.buffer, cols: p, panels: panelsOf(m, p, l).buffer, shift: shift.buffer, l, partials: partials.buffer, y: keepY ? y.buffer : undefined });
    const sums = sumParts(partials, this.parts, size);
    const w = sums.subarray(0, p * l);
    for (let c = 0; c < p; c++) for (let u = 0; u < l; u++) w[c * l + u] -= this.mean[c] * sums[p * l + u];
    return { w, y };
  }

  /** A M for A of n × cols (shared) and M of cols × width. */
  product(a: Float64Array<SharedArrayBuffer>, cols: number, m: Float64Array, width: number): Float64Array<SharedArrayBuffer> {
    const out = sharedFloat64(this.n * width);
    this.run({ kind: 'timesRows', x: a.buffer, cols, panels: panelsOf(m, cols, width).buffer, shift: sharedFloat64(width).buffer, l: width, out: out.buffer });
    return out;
  }
}

/** M (rows × cols) as the row kernels take it: panels of four columns, zero past the last. */
function panelsOf(m: Float64Array, rows: number, cols: number): Float64Array<SharedArrayBuffer> {
  const panels = sharedFloat64(Math.ceil(cols / 4) * 4 * rows);
  for (let c = 0; c < rows; c++) for (let u = 0; u < cols; u++) panels[(u >> 2) * 4 * rows + 4 * c + (u & 3)] = m[c * cols + u];
  return panels;
}

/** A B for A of rows × inner and B of inner × cols, row-major. */
function multiply(a: Float64Array, b: Float64Array, rows: number, inner: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let t = 0; t < inner; t++) {
      const v = a[i * inner + t];
      if (v === 0) continue;
      for (let j = 0; j < cols; j++) out[i * cols + j] += v * b[t * cols + j];
    }
  }
  return out;
}

/** Zᵀ W (cols × cols) for Z, W of rows × cols, where it is symmetric up to rounding: the mean of it and its transpose. */
function symmetricProduct(z: Float64Array, w: Float64Array, rows: number, cols: number): Float64Array {
  const g = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++) {
    for (let a = 0; a < cols; a++) {
      const v = z[r * cols + a];
      for (let b = 0; b < cols; b++) g[a * cols + b] += v * w[r * cols + b];
    }
  }
  for (let a = 0; a < cols; a++) {
    for (let b = a; b < cols; b++) {
      const mean = (g[a * cols + b] + g[b * cols + a]) / 2;
      g[a * cols + b] = mean;
      g[b * cols + a] = mean;
    }
  }
  return g;
}

function toShared(data: Float64Array): Float64Array<SharedArrayBuffer> {
  const shared = sharedFloat64(data.length);
  shared.set(data);
  return shared;
}

function sumParts(partials: Float64Array, parts: number, size: number): Float64Array {
  const out = partials.slice(0, size);
  for (let part = 1; part < parts; part++) for (let t = 0; t < size; t++) out[t] += partials[part * size + t];
  return out;
}

/**
 * Upper-triangular R with RᵀR = G (G's upper triangle given). Pivots below the rounding floor
 * become 0, so numerically dependent columns come out as zero rather than as noise.
 */
function choleskyFactor(g: Float64Array, cols: number): Float64Array {
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
  return rr;
}

/**
 * R⁻¹ for the upper-triangular R of {@link choleskyFactor}, by forward substitution on the rows
 * of the identity, so that a R⁻¹ is what substituting row a would give: columns whose pivot is
 * 0 come out as 0. R is well conditioned here (each factored matrix is the centered data times
 * Gaussian or orthonormal columns, or the nearly orthonormal result of the first Cholesky QR),
 * so the explicit inverse loses nothing that the second Cholesky QR does not repair.
 */
function triangularInverse(rr: Float64Array, cols: number): Float64Array {
  const inverse = new Float64Array(cols * cols);
  for (let i = 0; i < cols; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) {
      const diag = rr[j * cols + j];
      if (diag === 0) continue;
      let s = i === j ? 1 : 0;
      for (let t = 0; t < j; t++) s -= inverse[o + t] * rr[t * cols + j];
      inverse[o + j] = s / diag;
    }
  }
  return inverse;
}

/**
 * Orthonormal columns of a small p × l matrix, on this thread: modified Gram-Schmidt, done
 * twice (the second pass restores what the first loses to rounding). Unlike Cholesky QR it
 * does not square the condition number, which here is that of Xᵀ X Z. A column that keeps
 * under {@link DEPENDENT} of its length after the earlier ones are taken out is dependent on
 * them and comes out as zero.
 */
function smallOrthonormal(a: Float64Array, rows: number, cols: number): Float64Array {
  const out = a.slice();
  const column = new Float64Array(rows);
  for (let j = 0; j < cols; j++) {
    let original = 0;
    for (let r = 0; r < rows; r++) {
      column[r] = out[r * cols + j];
      original += column[r] ** 2;
    }
    for (let pass = 0; pass < 2; pass++) {
      for (let t = 0; t < j; t++) {
        let dot = 0;
        for (let r = 0; r < rows; r++) dot += out[r * cols + t] * column[r];
        for (let r = 0; r < rows; r++) column[r] -= dot * out[r * cols + t];
      }
    }
    let norm = 0;
    for (let r = 0; r < rows; r++) norm += column[r] ** 2;
    const keep = norm > 0 && norm > DEPENDENT ** 2 * original;
    const scale = keep ? 1 / Math.sqrt(norm) : 0;
    for (let r = 0; r < rows; r++) out[r * cols + j] = column[r] * scale;
  }
  return out;
}

/** The fraction of a column's length below which what is left of it is rounding. */
const DEPENDENT = 1e-12;

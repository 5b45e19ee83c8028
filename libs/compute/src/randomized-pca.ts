import { columnMeans } from './covariance';
import { InvalidParameterError } from './errors';
import { assertFinite, type Matrix } from './matrix';
import { orientedAxes, type PcaResult } from './pca';
import { RowPool } from './parallel/row-pool';
import { runRowKernel, type RowTask, sharedFloat64 } from './parallel/row-kernels';
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
  /** Threads to use on large data (all cores by default). */
  threads?: number;
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
  const passes = 2 * q + 2;
  const progress = (pass: number) => options.onProgress?.(pass / passes, `randomized PCA: pass ${pass} of ${passes} over the data`);

  const pool = n * p * l >= PARALLEL_MIN_WORK ? RowPool.open(options.threads) : undefined;
  try {
    const steps = new Steps(x, mean, l, pool);
    // Ω: p × l standard normal.
    const omega = new Float64Array(p * l);
    for (let t = 0; t < omega.length; t++) omega[t] = normal();
    let basis = steps.orthonormal(steps.timesRows(omega));
    progress(1);
    for (let it = 0; it < q; it++) {
      const z = smallOrthonormal(steps.transposeTimes(basis), p, l);
      progress(2 * it + 2);
      basis = steps.orthonormal(steps.timesRows(z));
      progress(2 * it + 3);
    }
    // B = Qᵀ X_c is l × p; here as its transpose Z (p × l). BBᵀ = ZᵀZ gives B's singular values.
    const z = steps.transposeTimes(basis);
    const gramZ = new Float64Array(l * l);
    for (let c = 0; c < p; c++) {
      for (let a = 0; a < l; a++) {
        const v = z[c * l + a];
        for (let b = a; b < l; b++) gramZ[a * l + b] += v * z[c * l + b];
      }
    }
    for (let a = 0; a < l; a++) for (let b = 0; b < a; b++) gramZ[a * l + b] = gramZ[b * l + a];
    const { values, vectors } = symmetricEigen({ rows: l, cols: l, data: gramZ });

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
    // X_c V = Q B V = Q U S: no further pass over the data, one product with the l × k matrix
    // U S (signs following the oriented axes).
    const us = new Float64Array(l * k);
    for (let c = 0; c < k; c++) {
      const s = Math.sqrt(Math.max(values[c], 0));
      let sign = 0;
      for (let f = 0; f < p && sign === 0; f++) if (v[f * l + c] !== 0) sign = Math.sign(axes[c * p + f] / v[f * l + c]);
      for (let a = 0; a < l; a++) us[a * k + c] = sign * s * vectors.data[a * l + c];
    }
    const embedding = steps.product(basis, l, us, sharedFloat64(k));
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

/** Work (n·p·l multiply-adds per pass) from which threads pay for their start-up. */
const PARALLEL_MIN_WORK = 50_000_000;

/** The passes over the data, on a {@link RowPool} when there is one; buffers are shared so threads can read them. */
class Steps {
  private readonly x: Float64Array<SharedArrayBuffer>;
  private readonly parts: number;

  constructor(
    matrix: Matrix,
    private readonly mean: Float64Array,
    private readonly l: number,
    private readonly pool: RowPool | undefined,
  ) {
    // Threads need the data in shared memory; data loaded that way is used as it is.
    const data = matrix.data;
    this.x = data.buffer instanceof SharedArrayBuffer && data.byteOffset === 0 ? (data as Float64Array<SharedArrayBuffer>) : toShared(data);
    this.parts = pool?.parts ?? 1;
  }

  private get n(): number {
    return this.x.length / this.mean.length;
  }

  private run(task: RowTask): void {
    if (this.pool) this.pool.run(task, this.n);
    else runRowKernel(task, 0, this.n, 0);
  }

  /** (X − 1μᵀ) M for M of p × l. The mean comes off afterwards as 1 (μᵀM): harmless for finding a range. */
  timesRows(m: Float64Array): Float64Array<SharedArrayBuffer> {
    const p = this.mean.length;
    const l = this.l;
    const shift = sharedFloat64(l);
    for (let c = 0; c < p; c++) for (let u = 0; u < l; u++) shift[u] += this.mean[c] * m[c * l + u];
    return this.product(this.x, p, m, shift);
  }

  /** A M − 1 shiftᵀ for A of n × cols (shared) and M of cols × l (l = shift's length). */
  product(a: Float64Array<SharedArrayBuffer>, cols: number, m: Float64Array, shift: Float64Array<SharedArrayBuffer>): Float64Array<SharedArrayBuffer> {
    const l = shift.length;
    const panels = sharedFloat64(Math.ceil(l / 4) * 4 * cols);
    for (let c = 0; c < cols; c++) for (let u = 0; u < l; u++) panels[(u >> 2) * 4 * cols + 4 * c + (u & 3)] = m[c * l + u];
    const out = sharedFloat64(this.n * l);
    this.run({ kind: 'timesRows', x: a.buffer, cols, panels: panels.buffer, shift: shift.buffer, l, out: out.buffer });
    return out;
  }

  /** (X − 1μᵀ)ᵀ Q, p × l. Centering afterwards is safe: Q's columns are orthonormal. */
  transposeTimes(q: Float64Array<SharedArrayBuffer>): Float64Array {
    const p = this.mean.length;
    const l = this.l;
    const partials = sharedFloat64(this.parts * p * l);
    this.run({ kind: 'transposeTimes', x: this.x.buffer, cols: p, q: q.buffer, l, partials: partials.buffer });
    const out = sumParts(partials, this.parts, p * l);
    const columnSums = new Float64Array(l);
    for (let r = 0; r < this.n; r++) for (let u = 0; u < l; u++) columnSums[u] += q[r * l + u];
    for (let c = 0; c < p; c++) for (let u = 0; u < l; u++) out[c * l + u] -= this.mean[c] * columnSums[u];
    return out;
  }

  /**
   * Orthonormal columns spanning those of an n × l matrix: Cholesky QR done twice (the second
   * pass repairs what the first loses to rounding).
   */
  orthonormal(a: Float64Array<SharedArrayBuffer>): Float64Array<SharedArrayBuffer> {
    return this.choleskyQr(this.choleskyQr(a));
  }

  private choleskyQr(a: Float64Array<SharedArrayBuffer>): Float64Array<SharedArrayBuffer> {
    const l = this.l;
    const partials = sharedFloat64(this.parts * l * l);
    this.run({ kind: 'gram', a: a.buffer, cols: l, partials: partials.buffer });
    const r = choleskyFactor(sumParts(partials, this.parts, l * l), l);
    // A R⁻¹ as one more product: the same kernel as the passes over the data.
    return this.product(a, l, triangularInverse(r, l), sharedFloat64(l));
  }
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

/** Orthonormal columns of a small p × l matrix, on this thread. */
function smallOrthonormal(a: Float64Array, rows: number, cols: number): Float64Array {
  let current = a;
  for (let pass = 0; pass < 2; pass++) {
    const g = new Float64Array(cols * cols);
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < cols; i++) {
        const v = current[r * cols + i];
        for (let j = i; j < cols; j++) g[i * cols + j] += v * current[r * cols + j];
      }
    }
    const rr = choleskyFactor(g, cols);
    const out = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < cols; j++) {
        const diag = rr[j * cols + j];
        if (diag === 0) continue;
        let s = current[r * cols + j];
        for (let t = 0; t < j; t++) s -= out[r * cols + t] * rr[t * cols + j];
        out[r * cols + j] = s / diag;
      }
    }
    current = out;
  }
  return current;
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

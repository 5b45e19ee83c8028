import { type Matrix } from './matrix';
import { sharedFloat64 } from './parallel/row-kernels';
import { RowPool } from './parallel/row-pool';
import { covarianceSumsWasm } from './wasm/pca-kernels';

/** Column means with 1/n. */
export function columnMeans(x: Matrix): Float64Array {
  const { rows: n, cols: p, data } = x;
  const mean = new Float64Array(p);
  for (let r = 0; r < n; r++) {
    const o = r * p;
    for (let i = 0; i < p; i++) mean[i] += data[o + i];
  }
  for (let i = 0; i < p; i++) mean[i] /= n;
  return mean;
}

/** Rows per partial sum: threads take whole chunks and the chunks' sums are added in order, so the covariance does not depend on the thread count. */
export const COVARIANCE_CHUNK_ROWS = 8192;

/** Work (n·p² multiply-adds) from which threads pay for their start-up. */
const PARALLEL_MIN_WORK = 200_000_000;

/**
 * The sample covariance (X − 1μᵀ)ᵀ(X − 1μᵀ) / (n − 1) as a p × p row-major symmetric matrix.
 *
 * The data is centered before multiplying, not via XᵀX − nμμᵀ, which loses every digit when the
 * mean is large next to the spread. The sums run in float64 SIMD (wasm/pca-kernels.ts) over
 * blocks of centered rows, the upper triangle only, 4 × 4 entries at a time; panels of four
 * features equal to their mean throughout a block (border pixels that are 0 in every image)
 * are left out of that block. Large inputs are split in chunks of {@link COVARIANCE_CHUNK_ROWS} rows over a
 * {@link RowPool} (all cores).
 *
 * @param onProgress called a few times with the fraction of rows done (once at the end on the pool)
 */
export function centeredCovariance(x: Matrix, mean: Float64Array, onProgress?: (fraction: number) => void, threads?: number): Float64Array {
  const { rows: n, cols: p } = x;
  const chunks = Math.ceil(n / COVARIANCE_CHUNK_ROWS);
  const pool = chunks > 1 && n * p * p >= PARALLEL_MIN_WORK ? RowPool.open(threads) : undefined;
  let sums: Float64Array;
  if (pool) {
    try {
      const data = x.data.buffer instanceof SharedArrayBuffer && x.data.byteOffset === 0 ? (x.data as Float64Array<SharedArrayBuffer>) : toShared(x.data.subarray(0, n * p));
      const shift = sharedFloat64(p);
      shift.set(mean);
      const partials = sharedFloat64(chunks * p * p);
      pool.run({ kind: 'covariance', x: data.buffer, rows: n, cols: p, mean: shift.buffer, partials: partials.buffer }, chunks);
      sums = new Float64Array(p * p);
      for (let c = 0; c < chunks; c++) {
        const part = partials.subarray(c * p * p, (c + 1) * p * p);
        for (let t = 0; t < p * p; t++) sums[t] += part[t];
      }
    } finally {
      pool.close();
    }
  } else {
    sums = new Float64Array(p * p);
    const part = chunks > 1 ? new Float64Array(p * p) : sums;
    let nextReport = 0.25;
    const report = (rowsDone: number) => {
      const done = rowsDone / n;
      if (onProgress && done >= nextReport && done < 1) {
        onProgress(done);
        nextReport = Math.floor(done * 4 + 1) / 4;
      }
    };
    for (let c = 0; c < chunks; c++) {
      if (chunks > 1) part.fill(0);
      covarianceSumsWasm(x.data, p, mean, c * COVARIANCE_CHUNK_ROWS, Math.min(n, (c + 1) * COVARIANCE_CHUNK_ROWS), part, report);
      if (chunks > 1) for (let t = 0; t < p * p; t++) sums[t] += part[t];
    }
  }
  const scale = 1 / (n - 1);
  for (let i = 0; i < p; i++) {
    for (let j = i; j < p; j++) {
      const v = sums[i * p + j] * scale;
      sums[i * p + j] = v;
      sums[j * p + i] = v;
    }
  }
  return sums;
}

function toShared(data: Float64Array): Float64Array<SharedArrayBuffer> {
  const shared = sharedFloat64(data.length);
  shared.set(data);
  return shared;
}

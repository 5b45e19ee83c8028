import { panelDot4x4 } from './dot-tile';
import { type Matrix } from './matrix';
import { sharedFloat64 } from './parallel/row-kernels';
import { RowPool } from './parallel/row-pool';

/**
 * Rows centered and transposed together. 128 rows of 784 features (800 KB) stay in the L2 cache
 * while every pair of features is multiplied; longer blocks measured no faster.
 */
const BLOCK_ROWS = 128;

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
 * mean is large next to the spread. Blocks of rows are held transposed, four features to a
 * panel, and only the upper triangle is computed, 4 × 4 entries at a time. Features equal to
 * their mean throughout a block (such as border pixels that are 0 in every image) are left out
 * of that block. Large inputs are split in chunks of {@link COVARIANCE_CHUNK_ROWS} rows over a
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
      covarianceSums(x.data, p, mean, c * COVARIANCE_CHUNK_ROWS, Math.min(n, (c + 1) * COVARIANCE_CHUNK_ROWS), part, report);
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

/** Σ (x_r − μ)ᵀ(x_r − μ) over rows from..to into the upper triangle of `sums` (added to it). */
export function covarianceSums(data: Float64Array, p: number, mean: Float64Array, from: number, to: number, sums: Float64Array, onRows?: (rowsDone: number) => void): void {
  const panels = Math.ceil(p / 4);
  // Panel g holds features 4g .. 4g+3 of the block's rows, interleaved (see panelDot4x4).
  const block = new Float64Array(panels * 4 * BLOCK_ROWS);
  const varies = new Uint8Array(p);
  const active = new Int32Array(p);
  const tile = new Float64Array(16);
  const slot = (feature: number, b: number) => ((feature >> 2) * BLOCK_ROWS + b) * 4 + (feature & 3);
  for (let r0 = from; r0 < to; r0 += BLOCK_ROWS) {
    const bs = Math.min(BLOCK_ROWS, to - r0);
    varies.fill(0);
    for (let b = 0; b < bs; b++) {
      const src = (r0 + b) * p;
      for (let i = 0; i < p; i++) {
        const v = data[src + i] - mean[i];
        block[slot(i, b)] = v;
        if (v !== 0) varies[i] = 1;
      }
    }
    let count = 0;
    for (let i = 0; i < p; i++) {
      if (varies[i] === 0) continue;
      if (count !== i) for (let b = 0; b < bs; b++) block[slot(count, b)] = block[slot(i, b)];
      active[count++] = i;
    }
    // Whole panels only; the padding slots hold leftovers whose sums are never stored.
    const padded = Math.ceil(count / 4) * 4;
    for (let ti = 0; ti < padded; ti += 4) {
      for (let tj = ti; tj < padded; tj += 4) {
        panelDot4x4(block, ti * BLOCK_ROWS, block, tj * BLOCK_ROWS, bs, tile);
        for (let u = 0; u < 4 && ti + u < count; u++) {
          const target = active[ti + u] * p;
          // On the diagonal tile the lower half would land below the diagonal: skip it.
          for (let w = tj === ti ? u : 0; w < 4 && tj + w < count; w++) sums[target + active[tj + w]] += tile[u * 4 + w];
        }
      }
    }
    onRows?.(r0 + bs);
  }
}

import { panelDot4x4 } from './dot-tile';
import { type Matrix } from './matrix';

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

/**
 * The sample covariance (X − 1μᵀ)ᵀ(X − 1μᵀ) / (n − 1) as a p × p row-major symmetric matrix.
 *
 * The data is centered before multiplying, not via XᵀX − nμμᵀ, which loses every digit when the
 * mean is large next to the spread. Blocks of rows are held transposed, four features to a
 * panel, and only the upper triangle is computed, 4 × 4 entries at a time. Features equal to
 * their mean throughout a block (such as border pixels that are 0 in every image) are left out
 * of that block.
 *
 * @param onProgress called a few times with the fraction of rows done
 */
export function centeredCovariance(x: Matrix, mean: Float64Array, onProgress?: (fraction: number) => void): Float64Array {
  const { rows: n, cols: p, data } = x;
  const sums = new Float64Array(p * p);
  const panels = Math.ceil(p / 4);
  // Panel g holds features 4g .. 4g+3 of the block's rows, interleaved (see panelDot4x4).
  const block = new Float64Array(panels * 4 * BLOCK_ROWS);
  const varies = new Uint8Array(p);
  const active = new Int32Array(p);
  const tile = new Float64Array(16);
  const slot = (feature: number, b: number) => ((feature >> 2) * BLOCK_ROWS + b) * 4 + (feature & 3);
  let nextReport = 0.25;
  for (let r0 = 0; r0 < n; r0 += BLOCK_ROWS) {
    const bs = Math.min(BLOCK_ROWS, n - r0);
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
    const done = (r0 + bs) / n;
    if (onProgress && done >= nextReport && done < 1) {
      onProgress(done);
      nextReport = Math.floor(done * 4 + 1) / 4;
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

import { panelDot4x4 } from '../dot-tile';

/**
 * PCA's passes in plain JavaScript, as they ran before the WebAssembly kernels
 * (wasm/pca-kernels.ts): the reference those are tested against, entry for entry.
 */

/** Rows per covariance block, held transposed. */
const BLOCK_ROWS = 128;

/**
 * Four rows at a time: their non-zero features are gathered once (images are mostly zeros),
 * then each 4 × 4 output tile is summed in registers over them.
 */
export function timesRows(data: Float64Array, p: number, panels: Float64Array, shift: Float64Array, l: number, out: Float64Array, from: number, to: number): void {
  const columnPanels = Math.ceil(l / 4);
  const features = new Int32Array(p);
  const values = new Float64Array(4 * p);
  const tile = new Float64Array(16);
  for (let r0 = from; r0 < to; r0 += 4) {
    const rs = Math.min(4, to - r0);
    let count = 0;
    for (let c = 0; c < p; c++) {
      let any = false;
      for (let t = 0; t < rs; t++) if (data[(r0 + t) * p + c] !== 0) any = true;
      if (!any) continue;
      features[count] = 4 * c;
      for (let t = 0; t < 4; t++) values[4 * count + t] = t < rs ? data[(r0 + t) * p + c] : 0;
      count++;
    }
    for (let g = 0; g < columnPanels; g++) {
      gatheredDot4x4(values, features, count, panels, g * 4 * p, tile);
      for (let t = 0; t < rs; t++) {
        for (let b = 0; b < 4 && 4 * g + b < l; b++) out[(r0 + t) * l + 4 * g + b] = tile[4 * t + b] - shift[4 * g + b];
      }
    }
  }
}

/** Rows per chunk: 784 features × 128 rows, transposed, stay in the L2 cache. */
const CHUNK = 128;

/**
 * Rows in chunks, held transposed as panels of four features and four columns of q (see
 * panelDot4x4), so each 4 × 4 output tile sums a chunk in registers; feature panels that are
 * zero throughout a chunk (an image's empty border) are skipped.
 */
export function transposeTimes(data: Float64Array, p: number, q: Float64Array, l: number, out: Float64Array, from: number, to: number): void {
  const featurePanels = Math.ceil(p / 4);
  const columnPanels = Math.ceil(l / 4);
  const xs = new Float64Array(featurePanels * 4 * CHUNK);
  const qs = new Float64Array(columnPanels * 4 * CHUNK);
  const nonZero = new Uint8Array(featurePanels);
  const tile = new Float64Array(16);
  out.fill(0);
  for (let r0 = from; r0 < to; r0 += CHUNK) {
    const rows = Math.min(CHUNK, to - r0);
    xs.fill(0);
    qs.fill(0);
    nonZero.fill(0);
    for (let t = 0; t < rows; t++) {
      const at = (r0 + t) * p;
      for (let c = 0; c < p; c++) {
        const v = data[at + c];
        if (v !== 0) {
          xs[(c >> 2) * 4 * CHUNK + 4 * t + (c & 3)] = v;
          nonZero[c >> 2] = 1;
        }
      }
      const qAt = (r0 + t) * l;
      for (let u = 0; u < l; u++) qs[(u >> 2) * 4 * CHUNK + 4 * t + (u & 3)] = q[qAt + u];
    }
    for (let f = 0; f < featurePanels; f++) {
      if (!nonZero[f]) continue;
      for (let g = 0; g < columnPanels; g++) {
        panelDot4x4(xs, f * 4 * CHUNK, qs, g * 4 * CHUNK, rows, tile);
        for (let a = 0; a < 4 && 4 * f + a < p; a++) {
          const o = (4 * f + a) * l + 4 * g;
          for (let b = 0; b < 4 && 4 * g + b < l; b++) out[o + b] += tile[4 * a + b];
        }
      }
    }
  }
}

/**
 * panelDot4x4 over a gathered list: entry e of the four vectors `values` pairs with the four
 * values of `panel` at `base + offsets[e]`.
 */
function gatheredDot4x4(values: Float64Array, offsets: Int32Array, count: number, panel: Float64Array, base: number, out: Float64Array): void {
  let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
  let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
  let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
  let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
  for (let e = 0; e < count; e++) {
    const w = base + offsets[e];
    const m0 = panel[w], m1 = panel[w + 1], m2 = panel[w + 2], m3 = panel[w + 3];
    let v = values[4 * e];
    s00 += v * m0; s01 += v * m1; s02 += v * m2; s03 += v * m3;
    v = values[4 * e + 1];
    s10 += v * m0; s11 += v * m1; s12 += v * m2; s13 += v * m3;
    v = values[4 * e + 2];
    s20 += v * m0; s21 += v * m1; s22 += v * m2; s23 += v * m3;
    v = values[4 * e + 3];
    s30 += v * m0; s31 += v * m1; s32 += v * m2; s33 += v * m3;
  }
  out[0] = s00; out[1] = s01; out[2] = s02; out[3] = s03;
  out[4] = s10; out[5] = s11; out[6] = s12; out[7] = s13;
  out[8] = s20; out[9] = s21; out[10] = s22; out[11] = s23;
  out[12] = s30; out[13] = s31; out[14] = s32; out[15] = s33;
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

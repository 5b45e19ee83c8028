// The passes over the data of randomized and exact PCA, in float64 (f64x2): x · M, xᵀ · q, the
// covariance's sums and the column moments. They stay in float64 because the explained
// variance is held to 1e-6 (against scikit-learn's and the exact one) and the sums run over
// 70,000 rows: float32's 24 bits would lose that after a few thousand additions.
//
// Both products sum 4 × 4 tiles over gathered entries (gatheredTile): the non-zero features of
// four rows, or the non-zero rows of four features.

/**
 * out = x · M − shift for a block of rows: x is rows × p row-major, M comes as ceil(l / 4)
 * panels of p × 4 (panel g holds columns 4g .. 4g + 3, zero past l), out is rows × l row-major.
 * Four rows at a time, the features that are not zero in any of them are gathered first into
 * `scratch` (a tile, 4p values and p offsets: {@link timesPanelsScratch} bytes): images are mostly zeros, and gathered entries cost
 * nothing in the tile loop.
 */
export function timesPanels(x: usize, rows: i32, p: i32, panels: usize, l: i32, shift: usize, out: usize, scratch: usize): void {
  const tile = scratch;
  const values = scratch + TILE_BYTES;
  const offsets = values + <usize>p * 32;
  const panelBytes = <usize>p * 32;
  const rowBytes = <usize>p * 8;
  const outRow = <usize>l * 8;
  const columnPanels = (l + 3) >> 2;
  for (let r0 = 0; r0 < rows; r0 += 4) {
    const rs = min(4, rows - r0);
    const x0 = x + <usize>r0 * rowBytes;
    let count: usize = 0;
    for (let c: usize = 0; c < <usize>p; c++) {
      const at = x0 + c * 8;
      const v0 = load<f64>(at);
      const v1 = rs > 1 ? load<f64>(at + rowBytes) : 0;
      const v2 = rs > 2 ? load<f64>(at + 2 * rowBytes) : 0;
      const v3 = rs > 3 ? load<f64>(at + 3 * rowBytes) : 0;
      count = gather(values, offsets, count, v0, v1, v2, v3, c * 32);
    }
    for (let g = 0; g < columnPanels; g++) {
      gatheredTile(values, offsets, count, panels + <usize>g * panelBytes, tile);
      const shiftA = v128.load(shift + <usize>g * 32);
      const shiftB = v128.load(shift + <usize>g * 32, 16);
      const o = out + <usize>r0 * outRow + <usize>g * 32;
      const width = min(4, l - 4 * g);
      for (let t = 0; t < rs; t++) {
        const sums = tile + <usize>t * 32;
        storeRow(o + <usize>t * outRow, f64x2.sub(v128.load(sums), shiftA), f64x2.sub(v128.load(sums, 16), shiftB), width);
      }
    }
  }
}

/** The first `width` (1..4) of a tile row's four values. */
@inline
function storeRow(at: usize, a: v128, b: v128, width: i32): void {
  if (width == 4) {
    v128.store(at, a);
    v128.store(at, b, 16);
    return;
  }
  store<f64>(at, f64x2.extract_lane(a, 0));
  if (width > 1) store<f64>(at, f64x2.extract_lane(a, 1), 8);
  if (width > 2) store<f64>(at, f64x2.extract_lane(b, 0), 16);
}

/**
 * out += xᵀ q over a block of rows: x is rows × p with row stride `xStride` (reads run to
 * ceil(p / 4)·4 in a row; what lies past p lands only in rows of out past p), q is rows × l
 * with row stride `qStride` (a multiple of 4, zero past l), out is ceil(p / 4)·4 × qStride
 * row-major. For each panel of four features, the rows where any of them is not zero are
 * gathered first into `scratch` ({@link transposeTimesScratch} bytes), so rows of zeros (most
 * of an image's border) cost nothing. With `upper`, x and q are the same block and only the
 * tiles on or above the diagonal are summed (a Gram matrix's upper triangle).
 */
export function transposeTimes(x: usize, rows: i32, p: i32, xStride: i32, q: usize, l: i32, qStride: i32, out: usize, scratch: usize, upper: bool): void {
  const tile = scratch;
  const values = scratch + TILE_BYTES;
  const offsets = values + <usize>rows * 32;
  const featurePanels = (p + 3) >> 2;
  const columnPanels = (l + 3) >> 2;
  const xRow = <usize>xStride * 8;
  const qRow = <usize>qStride * 8;
  for (let f = 0; f < featurePanels; f++) {
    let count: usize = 0;
    let xa = x + <usize>f * 32;
    for (let r: usize = 0; r < <usize>rows; r++) {
      const v0 = load<f64>(xa);
      const v1 = load<f64>(xa, 8);
      const v2 = load<f64>(xa, 16);
      const v3 = load<f64>(xa, 24);
      xa += xRow;
      count = gather(values, offsets, count, v0, v1, v2, v3, r * qRow);
    }
    if (count == 0) continue;
    for (let g = upper ? f : 0; g < columnPanels; g++) {
      gatheredTile(values, offsets, count, q + <usize>g * 32, tile);
      const o = out + (<usize>f * 4 * <usize>qStride + <usize>g * 4) * 8;
      for (let t: usize = 0; t < 4; t++) addTo(o + t * qRow, v128.load(tile + t * 32), v128.load(tile + t * 32, 16));
    }
  }
}

/** Scratch bytes {@link timesPanels} needs for p features. */
export function timesPanelsScratch(p: i32): i32 {
  return <i32>TILE_BYTES + 36 * p;
}

/** Scratch bytes {@link transposeTimes} needs for a block of `rows`. */
export function transposeTimesScratch(rows: i32): i32 {
  return <i32>TILE_BYTES + 36 * rows;
}

/** Appends entry `count` (four values and their partner's offset) unless all four are 0; returns the new count. */
@inline
function gather(values: usize, offsets: usize, count: usize, v0: f64, v1: f64, v2: f64, v3: f64, offset: usize): usize {
  if (v0 == 0 && v1 == 0 && v2 == 0 && v3 == 0) return count;
  const to = values + count * 32;
  store<f64>(to, v0);
  store<f64>(to, v1, 8);
  store<f64>(to, v2, 16);
  store<f64>(to, v3, 24);
  store<u32>(offsets + count * 4, <u32>offset);
  return count + 1;
}

/** A 4 × 4 tile of float64 sums. */
const TILE_BYTES: usize = 128;

/**
 * tile (4 × 4, row-major) = Σ_e values[e]ᵀ · base[offsets[e]]: entry e pairs four gathered
 * values (32 bytes each, contiguous) with the four float64 at base + offsets[e] (u32 bytes).
 * Eight f64x2 sums, two vector loads and four splat loads feed sixteen multiply-adds, which
 * fits x64's sixteen vector registers without spilling.
 */
@inline
function gatheredTile(values: usize, offsets: usize, count: usize, base: usize, tile: usize): void {
  let s0a = f64x2.splat(0), s0b = f64x2.splat(0), s1a = f64x2.splat(0), s1b = f64x2.splat(0);
  let s2a = f64x2.splat(0), s2b = f64x2.splat(0), s3a = f64x2.splat(0), s3b = f64x2.splat(0);
  for (let e: usize = 0; e < count; e++) {
    const m = base + <usize>load<u32>(offsets + e * 4);
    const ma = v128.load(m);
    const mb = v128.load(m, 16);
    const v = values + e * 32;
    let xv = v128.load64_splat(v);
    s0a = f64x2.add(s0a, f64x2.mul(xv, ma));
    s0b = f64x2.add(s0b, f64x2.mul(xv, mb));
    xv = v128.load64_splat(v, 8);
    s1a = f64x2.add(s1a, f64x2.mul(xv, ma));
    s1b = f64x2.add(s1b, f64x2.mul(xv, mb));
    xv = v128.load64_splat(v, 16);
    s2a = f64x2.add(s2a, f64x2.mul(xv, ma));
    s2b = f64x2.add(s2b, f64x2.mul(xv, mb));
    xv = v128.load64_splat(v, 24);
    s3a = f64x2.add(s3a, f64x2.mul(xv, ma));
    s3b = f64x2.add(s3b, f64x2.mul(xv, mb));
  }
  v128.store(tile, s0a);
  v128.store(tile, s0b, 16);
  v128.store(tile, s1a, 32);
  v128.store(tile, s1b, 48);
  v128.store(tile, s2a, 64);
  v128.store(tile, s2b, 80);
  v128.store(tile, s3a, 96);
  v128.store(tile, s3b, 112);
}

@inline
function addTo(at: usize, a: v128, b: v128): void {
  v128.store(at, f64x2.add(v128.load(at), a));
  v128.store(at, f64x2.add(v128.load(at, 16), b), 16);
}

/**
 * Rows of `from` (row stride p) less `mean`, into `to` with row stride `stride` (a multiple of
 * 4 ≥ p), zeros past p: the covariance's block, centered before it is multiplied.
 */
export function centerRows(from: usize, rows: i32, p: i32, mean: usize, to: usize, stride: i32): void {
  for (let r = 0; r < rows; r++) {
    const src = from + <usize>r * <usize>p * 8;
    const dst = to + <usize>r * <usize>stride * 8;
    for (let c: usize = 0; c < <usize>p; c++) store<f64>(dst + c * 8, load<f64>(src + c * 8) - load<f64>(mean + c * 8));
    for (let c: usize = <usize>p; c < <usize>stride; c++) store<f64>(dst + c * 8, 0);
  }
}

/**
 * Folds a block of rows (rows × p, row-major) into running column moments: `mean` and `m2`
 * (the sums of squared deviations from the mean) over the `before` rows seen so far. The block's
 * own mean and deviations come first, then Chan et al.'s update merges them, so no sum of
 * squares is ever taken about zero (which loses every digit when the mean is large next to the
 * spread). A NaN or infinity anywhere leaves its column's moments non-finite.
 */
export function foldMoments(x: usize, rows: i32, p: i32, before: f64, mean: usize, m2: usize, scratch: usize): void {
  const rowBytes = <usize>p * 8;
  const n = <f64>rows;
  const total = before + n;
  for (let c: usize = 0; c < <usize>p; c++) store<f64>(scratch + c * 8, 0);
  for (let r = 0; r < rows; r++) {
    const at = x + <usize>r * rowBytes;
    for (let c: usize = 0; c < <usize>p; c++) store<f64>(scratch + c * 8, load<f64>(scratch + c * 8) + load<f64>(at + c * 8));
  }
  for (let c: usize = 0; c < <usize>p; c++) store<f64>(scratch + c * 8, load<f64>(scratch + c * 8) / n);
  const deviations = scratch + rowBytes;
  for (let c: usize = 0; c < <usize>p; c++) store<f64>(deviations + c * 8, 0);
  for (let r = 0; r < rows; r++) {
    const at = x + <usize>r * rowBytes;
    for (let c: usize = 0; c < <usize>p; c++) {
      const d = load<f64>(at + c * 8) - load<f64>(scratch + c * 8);
      store<f64>(deviations + c * 8, load<f64>(deviations + c * 8) + d * d);
    }
  }
  for (let c: usize = 0; c < <usize>p; c++) {
    const blockMean = load<f64>(scratch + c * 8);
    const blockM2 = load<f64>(deviations + c * 8);
    if (before == 0) {
      store<f64>(mean + c * 8, blockMean);
      store<f64>(m2 + c * 8, blockM2);
      continue;
    }
    const delta = blockMean - load<f64>(mean + c * 8);
    store<f64>(mean + c * 8, load<f64>(mean + c * 8) + (delta * n) / total);
    store<f64>(m2 + c * 8, load<f64>(m2 + c * 8) + blockM2 + (delta * delta * before * n) / total);
  }
}

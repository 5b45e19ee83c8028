// The float32 candidate search of the t-SNE neighbour search: squared distances from a block of
// query rows to every reference row, each kept only if it beats the worst of that row's kept
// candidates. The caller re-ranks the survivors in float64 (src/tsne/candidate-rerank.ts).

/** 128 bytes of the module's static data, where a tile's 4 × 8 distances wait to be offered. */
const TILE: usize = memory.data(128, 16);

/**
 * Offers every reference row to the candidate heaps of query rows q0 … q0 + nq − 1.
 *
 * - `rows`: all rows, row-major float32, d per row (the query rows are read from here);
 * - `panels`: the same rows in panels of 8, panel p at `panels + p * d * 32`, its component t
 *   at `+ t * 32` as two f32x4 (rows 8p … 8p + 7);
 * - `norms`: their squared norms, one f32 per row, +∞ for the rows that pad n to a multiple
 *   of 8 (so their distances never beat a candidate);
 * - `nRefs`: rows including that padding (a multiple of 8); nq a multiple of 4;
 * - `heapDist`/`heapIdx`: per query row a max-heap of `kk` (distance, row) pairs, full from the
 *   start (padded with +∞), at `(q − q0) * kk`; the root is the worst kept candidate.
 *
 * The reference rows are taken `refBlock` at a time (a multiple of 8) so that their panels stay
 * in the second-level cache while every query tile passes over them. A tile is 4 query rows ×
 * one panel: eight f32x4 sums, each a full dot product of one query with 4 references,
 * so no horizontal sums are needed and a whole vector of distances is compared at once.
 */
export function searchBlock(
  rows: usize, panels: usize, norms: usize, nRefs: i32, d: i32,
  q0: i32, nq: i32, heapDist: usize, heapIdx: usize, kk: i32, refBlock: i32,
): void {
  const rowBytes = <usize>d * 4;
  const panelBytes = <usize>d * 32;
  const heapBytes = <usize>kk * 4;
  for (let r0 = 0; r0 < nRefs; r0 += refBlock) {
    const r1 = min(nRefs, r0 + refBlock);
    for (let qi = 0; qi < nq; qi += 4) {
      const q = q0 + qi;
      const a0 = rows + <usize>q * rowBytes;
      const a1 = a0 + rowBytes;
      const a2 = a1 + rowBytes;
      const a3 = a2 + rowBytes;
      const h0 = heapDist + <usize>qi * heapBytes;
      const h1 = h0 + heapBytes;
      const h2 = h1 + heapBytes;
      const h3 = h2 + heapBytes;
      for (let j = r0; j < r1; j += 8) {
        let p = panels + <usize>(j >> 3) * panelBytes;
        let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
        let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
        for (let t: usize = 0; t < rowBytes; t += 4) {
          const y0 = v128.load(p);
          const y1 = v128.load(p, 16);
          p += 32;
          let x = v128.load32_splat(a0 + t);
          s00 = madd(s00, x, y0);
          s01 = madd(s01, x, y1);
          x = v128.load32_splat(a1 + t);
          s10 = madd(s10, x, y0);
          s11 = madd(s11, x, y1);
          x = v128.load32_splat(a2 + t);
          s20 = madd(s20, x, y0);
          s21 = madd(s21, x, y1);
          x = v128.load32_splat(a3 + t);
          s30 = madd(s30, x, y0);
          s31 = madd(s31, x, y1);
        }
        // The tile's 8 distance vectors go to memory before any offer: a call would otherwise
        // keep the sums live across it, and V8 would spill them inside the loop above.
        const m0 = v128.load(norms + <usize>j * 4);
        const m1 = v128.load(norms + <usize>j * 4 + 16);
        const normQ = norms + <usize>q * 4;
        let beats = distances(v128.load32_splat(normQ), m0, m1, s00, s01, h0, TILE);
        beats |= distances(v128.load32_splat(normQ + 4), m0, m1, s10, s11, h1, TILE + 32) << 8;
        beats |= distances(v128.load32_splat(normQ + 8), m0, m1, s20, s21, h2, TILE + 64) << 16;
        beats |= distances(v128.load32_splat(normQ + 12), m0, m1, s30, s31, h3, TILE + 96) << 24;
        // Most tiles beat no root: one test. Else the lanes that do, row by row (bit 8r + lane).
        while (beats != 0) {
          const bit = ctz(beats);
          beats &= beats - 1;
          const r = bit >> 3;
          const h = heapDist + <usize>(qi + r) * heapBytes;
          offer(h, heapIdx + <usize>(qi + r) * heapBytes, kk, load<f32>(TILE + (<usize>bit << 2)), j + (bit & 7), q + r);
        }
      }
    }
  }
}

/** acc + x · y, lane by lane. */
@inline
function madd(acc: v128, x: v128, y: v128): v128 {
  return f32x4.add(acc, f32x4.mul(x, y));
}

/**
 * The distances ‖q‖² + ‖r‖² − 2 q·r of one query row to 8 reference rows, stored at `out`;
 * returns which of them beat the root of the row's heap at `dist` (bit per row).
 */
@inline
function distances(normQ: v128, m0: v128, m1: v128, s0: v128, s1: v128, dist: usize, out: usize): i32 {
  const e0 = f32x4.sub(f32x4.add(normQ, m0), f32x4.add(s0, s0));
  const e1 = f32x4.sub(f32x4.add(normQ, m1), f32x4.add(s1, s1));
  v128.store(out, e0);
  v128.store(out, e1, 16);
  const worst = v128.load32_splat(dist);
  return i32x4.bitmask(f32x4.lt(e0, worst)) | (i32x4.bitmask(f32x4.lt(e1, worst)) << 4);
}

/** Replaces the root of a full max-heap of kk pairs by (distance, row) when it is nearer. */
function offer(dist: usize, idx: usize, kk: i32, distance: f32, row: i32, self: i32): void {
  if (!(distance < load<f32>(dist)) || row == self) return;
  let c = 0;
  for (;;) {
    const l = 2 * c + 1;
    if (l >= kk) break;
    const r = l + 1;
    let m = l;
    let dm = load<f32>(dist + <usize>l * 4);
    if (r < kk) {
      const dr = load<f32>(dist + <usize>r * 4);
      if (dr > dm) {
        m = r;
        dm = dr;
      }
    }
    if (dm <= distance) break;
    store<f32>(dist + <usize>c * 4, dm);
    store<i32>(idx + <usize>c * 4, load<i32>(idx + <usize>m * 4));
    c = m;
  }
  store<f32>(dist + <usize>c * 4, distance);
  store<i32>(idx + <usize>c * 4, row);
}

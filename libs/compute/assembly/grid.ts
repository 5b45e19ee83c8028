// The data movement of the t-SNE grid convolution (src/tsne/grid-convolution.ts), run on
// PFFFT's own memory: this module imports it (build-wasm.js compiles it with --importMemory) and
// must hold no static data there, so it only reads and writes at the addresses it is given.
//
// Rows are m complex values. A row PFFFT transformed forward without reordering ("split" rows
// below) is a sequence of blocks of four complex values, each block 32 bytes: the four real
// parts, then the four imaginary parts. Natural rows interleave re, im.

/**
 * Copies one column block of a split grid into natural rows: rows `first` … `first + 3` of
 * `out` (row stride `8m` bytes) take the complex values at position 4·block + l (l = 0 … 3) of
 * grid rows 0 … count − 1, as columns 0 … count − 1; their columns count … m − 1 are zeroed.
 * Four grid rows at a time go through registers as a 4 × 4 tile of complex values.
 */
export function gatherBlock(grid: usize, m: i32, count: i32, block: i32, out: usize): void {
  const rowBytes = <usize>m * 8;
  const out1 = out + rowBytes;
  const out2 = out1 + rowBytes;
  const out3 = out2 + rowBytes;
  let from = grid + <usize>block * 32;
  let r = 0;
  for (; r + 4 <= count; r += 4) {
    const re0 = v128.load(from), im0 = v128.load(from, 16);
    const re1 = v128.load(from + rowBytes), im1 = v128.load(from + rowBytes, 16);
    const re2 = v128.load(from + 2 * rowBytes), im2 = v128.load(from + 2 * rowBytes, 16);
    const re3 = v128.load(from + 3 * rowBytes), im3 = v128.load(from + 3 * rowBytes, 16);
    // Row i's complex values for lanes 0, 1 (p) and 2, 3 (q), as 64-bit pairs.
    const p0 = v128.shuffle<f32>(re0, im0, 0, 4, 1, 5), q0 = v128.shuffle<f32>(re0, im0, 2, 6, 3, 7);
    const p1 = v128.shuffle<f32>(re1, im1, 0, 4, 1, 5), q1 = v128.shuffle<f32>(re1, im1, 2, 6, 3, 7);
    const p2 = v128.shuffle<f32>(re2, im2, 0, 4, 1, 5), q2 = v128.shuffle<f32>(re2, im2, 2, 6, 3, 7);
    const p3 = v128.shuffle<f32>(re3, im3, 0, 4, 1, 5), q3 = v128.shuffle<f32>(re3, im3, 2, 6, 3, 7);
    const at = <usize>r * 8;
    v128.store(out + at, v128.shuffle<u64>(p0, p1, 0, 2));
    v128.store(out + at, v128.shuffle<u64>(p2, p3, 0, 2), 16);
    v128.store(out1 + at, v128.shuffle<u64>(p0, p1, 1, 3));
    v128.store(out1 + at, v128.shuffle<u64>(p2, p3, 1, 3), 16);
    v128.store(out2 + at, v128.shuffle<u64>(q0, q1, 0, 2));
    v128.store(out2 + at, v128.shuffle<u64>(q2, q3, 0, 2), 16);
    v128.store(out3 + at, v128.shuffle<u64>(q0, q1, 1, 3));
    v128.store(out3 + at, v128.shuffle<u64>(q2, q3, 1, 3), 16);
    from += 4 * rowBytes;
  }
  for (; r < count; r++) {
    const at = <usize>r * 8;
    for (let l = 0; l < 4; l++) {
      const to = out + <usize>l * rowBytes + at;
      store<f32>(to, load<f32>(from + <usize>l * 4));
      store<f32>(to, load<f32>(from + <usize>l * 4 + 16), 4);
    }
    from += rowBytes;
  }
  if (count < m) {
    const at = <usize>count * 8;
    const bytes = rowBytes - at;
    memory.fill(out + at, 0, bytes);
    memory.fill(out1 + at, 0, bytes);
    memory.fill(out2 + at, 0, bytes);
    memory.fill(out3 + at, 0, bytes);
  }
}

/** The inverse of {@link gatherBlock}: columns 0 … count − 1 of the four natural rows back into the split grid's block. */
export function scatterBlock(rows: usize, m: i32, count: i32, block: i32, grid: usize): void {
  const rowBytes = <usize>m * 8;
  let to = grid + <usize>block * 32;
  let r = 0;
  for (; r + 4 <= count; r += 4) {
    // Lane l's row holds grid rows r … r + 3 as complex pairs (a: r, r + 1; b: r + 2, r + 3).
    const from = rows + <usize>r * 8;
    const a0 = v128.load(from), b0 = v128.load(from, 16);
    const a1 = v128.load(from + rowBytes), b1 = v128.load(from + rowBytes, 16);
    const a2 = v128.load(from + 2 * rowBytes), b2 = v128.load(from + 2 * rowBytes, 16);
    const a3 = v128.load(from + 3 * rowBytes), b3 = v128.load(from + 3 * rowBytes, 16);
    const p0 = v128.shuffle<u64>(a0, a1, 0, 2), q0 = v128.shuffle<u64>(a2, a3, 0, 2);
    const p1 = v128.shuffle<u64>(a0, a1, 1, 3), q1 = v128.shuffle<u64>(a2, a3, 1, 3);
    const p2 = v128.shuffle<u64>(b0, b1, 0, 2), q2 = v128.shuffle<u64>(b2, b3, 0, 2);
    const p3 = v128.shuffle<u64>(b0, b1, 1, 3), q3 = v128.shuffle<u64>(b2, b3, 1, 3);
    v128.store(to, v128.shuffle<f32>(p0, q0, 0, 2, 4, 6));
    v128.store(to, v128.shuffle<f32>(p0, q0, 1, 3, 5, 7), 16);
    v128.store(to + rowBytes, v128.shuffle<f32>(p1, q1, 0, 2, 4, 6));
    v128.store(to + rowBytes, v128.shuffle<f32>(p1, q1, 1, 3, 5, 7), 16);
    v128.store(to + 2 * rowBytes, v128.shuffle<f32>(p2, q2, 0, 2, 4, 6));
    v128.store(to + 2 * rowBytes, v128.shuffle<f32>(p2, q2, 1, 3, 5, 7), 16);
    v128.store(to + 3 * rowBytes, v128.shuffle<f32>(p3, q3, 0, 2, 4, 6));
    v128.store(to + 3 * rowBytes, v128.shuffle<f32>(p3, q3, 1, 3, 5, 7), 16);
    to += 4 * rowBytes;
  }
  for (; r < count; r++) {
    const at = <usize>r * 8;
    for (let l = 0; l < 4; l++) {
      const from = rows + <usize>l * rowBytes + at;
      store<f32>(to + <usize>l * 4, load<f32>(from));
      store<f32>(to + <usize>l * 4 + 16, load<f32>(from, 4));
    }
    to += rowBytes;
  }
}

/**
 * Multiplies `count` split rows (stride 8m bytes) by a real spectrum, one float per complex
 * value in the same order (stride 4m bytes): both halves of a block by the same four factors.
 */
export function scaleSplitRows(rows: usize, m: i32, count: i32, factors: usize): void {
  const end = rows + <usize>count * <usize>m * 8;
  for (let at = rows, f = factors; at < end; at += 32, f += 16) {
    const k = v128.load(f);
    v128.store(at, f32x4.mul(v128.load(at), k));
    v128.store(at, f32x4.mul(v128.load(at, 16), k), 16);
  }
}

/** out = scale · (the real parts of `count` split rows): the inverse of what {@link scaleSplitRows} reads. */
export function splitRealParts(rows: usize, m: i32, count: i32, scale: f32, out: usize): void {
  const end = rows + <usize>count * <usize>m * 8;
  const s = f32x4.splat(scale);
  for (let at = rows, o = out; at < end; at += 32, o += 16) v128.store(o, f32x4.mul(v128.load(at), s));
}

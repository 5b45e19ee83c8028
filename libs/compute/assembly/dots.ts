// Dot products of row blocks in float32: the kernel the neighbour search's distances and the
// bench's speed check are built on.

/**
 * out[i * nb + j] = a_i · b_j for a: na × d and b: nb × d, row-major float32, d a multiple of 4,
 * na a multiple of 4 and nb of 2 (callers pad with zero rows). A 4 × 2 tile of rows keeps eight
 * 4-lane sums in registers, so each load feeds two or four multiply-adds.
 */
export function dotsF32(a: usize, na: i32, b: usize, nb: i32, d: i32, out: usize): void {
  const rowBytes = <usize>d * 4;
  for (let i = 0; i < na; i += 4) {
    const a0 = a + <usize>i * rowBytes;
    const a1 = a0 + rowBytes;
    const a2 = a1 + rowBytes;
    const a3 = a2 + rowBytes;
    for (let j = 0; j < nb; j += 2) {
      const b0 = b + <usize>j * rowBytes;
      const b1 = b0 + rowBytes;
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
      let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
      for (let t: usize = 0; t < rowBytes; t += 16) {
        const y0 = v128.load(b0 + t);
        const y1 = v128.load(b1 + t);
        let x = v128.load(a0 + t);
        s00 = f32x4.add(s00, f32x4.mul(x, y0));
        s01 = f32x4.add(s01, f32x4.mul(x, y1));
        x = v128.load(a1 + t);
        s10 = f32x4.add(s10, f32x4.mul(x, y0));
        s11 = f32x4.add(s11, f32x4.mul(x, y1));
        x = v128.load(a2 + t);
        s20 = f32x4.add(s20, f32x4.mul(x, y0));
        s21 = f32x4.add(s21, f32x4.mul(x, y1));
        x = v128.load(a3 + t);
        s30 = f32x4.add(s30, f32x4.mul(x, y0));
        s31 = f32x4.add(s31, f32x4.mul(x, y1));
      }
      const o = out + (<usize>i * <usize>nb + <usize>j) * 4;
      const row = <usize>nb * 4;
      store<f32>(o, lanes(s00));
      store<f32>(o + 4, lanes(s01));
      store<f32>(o + row, lanes(s10));
      store<f32>(o + row + 4, lanes(s11));
      store<f32>(o + 2 * row, lanes(s20));
      store<f32>(o + 2 * row + 4, lanes(s21));
      store<f32>(o + 3 * row, lanes(s30));
      store<f32>(o + 3 * row + 4, lanes(s31));
    }
  }
}

@inline
function lanes(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

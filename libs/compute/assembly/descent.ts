// t-SNE's gradient-descent step (src/tsne/descent-step.ts) for rows from..to: the attraction
// over each row of P, the gradient, the gains, the momentum update and the new position, the
// two coordinates of a point in the two lanes of an f64x2. Every operation is the JS path's, in
// its order and without fused multiply-adds, so both give the same embedding to the bit.
// The caller copies P (CSR), y and the rows' repulsion, update and gains into this module's
// memory, all indexed by point as in the shared arrays.

const MIN_GAIN: f64 = 0.01;

/**
 * For points from..to: next_i = y_i + u_i with u_i the momentum update of the gradient
 * 4 (α Σ_e p_e w_e (y_i − y_j) − rep_i / Z), w_e = 1 / (1 + ‖y_i − y_j‖²); update and gains
 * are rewritten in place. Points are float64 pairs (x, y); rowStart and columns are int32.
 */
export function descentRows(rowStart: usize, columns: usize, values: usize, y: usize, rep: usize, update: usize, gains: usize, next: usize, from: i32, to: i32, inverseZ: f64, exaggeration: f64, momentum: f64, learningRate: f64): void {
  const zero = f64x2.splat(0);
  const four = f64x2.splat(4);
  const alpha = f64x2.splat(exaggeration);
  const invZ = f64x2.splat(inverseZ);
  const mom = f64x2.splat(momentum);
  const rate = f64x2.splat(learningRate);
  const up = f64x2.splat(0.2);
  const down = f64x2.splat(0.8);
  const floor = f64x2.splat(MIN_GAIN);
  let end = load<i32>(rowStart + (<usize>from << 2));
  for (let i = from; i < to; i++) {
    const at = <usize>i << 4;
    const yi = v128.load(y + at);
    let f = zero;
    const start = end;
    end = load<i32>(rowStart + (<usize>(i + 1) << 2));
    for (let e = start; e < end; e++) {
      const j = load<i32>(columns + (<usize>e << 2));
      const d = f64x2.sub(yi, v128.load(y + (<usize>j << 4)));
      const sq = f64x2.mul(d, d);
      // 1 + d0² + d1², added left to right as in JS.
      const pw = load<f64>(values + (<usize>e << 3)) / (1 + f64x2.extract_lane(sq, 0) + f64x2.extract_lane(sq, 1));
      f = f64x2.add(f, f64x2.mul(f64x2.splat(pw), d));
    }
    const g = f64x2.mul(four, f64x2.sub(f64x2.mul(alpha, f), f64x2.mul(v128.load(rep + at), invZ)));
    const u0 = v128.load(update + at);
    let gain = v128.load(gains + at);
    // Up by 0.2 where the gradient changed sign, else × 0.8; never below MIN_GAIN.
    gain = v128.bitselect(f64x2.add(gain, up), f64x2.mul(gain, down), f64x2.lt(f64x2.mul(u0, g), zero));
    gain = v128.bitselect(floor, gain, f64x2.lt(gain, floor));
    v128.store(gains + at, gain);
    const u = f64x2.sub(f64x2.mul(mom, u0), f64x2.mul(f64x2.mul(rate, gain), g));
    v128.store(update + at, u);
    v128.store(next + at, f64x2.add(yi, u));
  }
}

// t-SNE's gradient-descent step (src/tsne/descent-step.ts) for rows from..to: the attraction
// over each row of P, the gradient, the gains, the momentum update and the new position, the
// two coordinates of a point in the two lanes of an f64x2. Every operation is the JS path's, in
// its order and without fused multiply-adds, so both give the same embedding to the bit.
// The caller copies P (CSR), y and the rows' repulsion, update and gains into this module's
// memory, all indexed by point as in the shared arrays.
//
// A row's attraction is one chain of additions that must stay in entry order (that is what
// keeps the bits), so its speed is the adder's latency; two rows are summed side by side to
// keep two chains in flight, and each division serves two entries.

const MIN_GAIN: f64 = 0.01;

/** y_i − y_j for entry e. */
@inline
function difference(yi: v128, y: usize, columns: usize, e: i32): v128 {
  return f64x2.sub(yi, v128.load(y + (<usize>load<i32>(columns + (<usize>e << 2)) << 4)));
}

/** (1 + a0² + a1², 1 + b0² + b1²), added left to right as in JS. */
@inline
function denominators(a: v128, b: v128): v128 {
  const sa = f64x2.mul(a, a);
  const sb = f64x2.mul(b, b);
  return f64x2.add(f64x2.add(f64x2.splat(1), v128.shuffle<f64>(sa, sb, 0, 2)), v128.shuffle<f64>(sa, sb, 1, 3));
}

/** f plus Σ p_e w_e (y_i − y_j) over entries e..end of one row, in entry order. */
@inline
function attraction(f: v128, yi: v128, y: usize, columns: usize, values: usize, e: i32, end: i32): v128 {
  for (; e + 1 < end; e += 2) {
    const da = difference(yi, y, columns, e);
    const db = difference(yi, y, columns, e + 1);
    const pw = f64x2.div(v128.load(values + (<usize>e << 3)), denominators(da, db));
    f = f64x2.add(f, f64x2.mul(v128.shuffle<f64>(pw, pw, 0, 0), da));
    f = f64x2.add(f, f64x2.mul(v128.shuffle<f64>(pw, pw, 1, 1), db));
  }
  if (e < end) {
    const d = difference(yi, y, columns, e);
    const sq = f64x2.mul(d, d);
    const pw = load<f64>(values + (<usize>e << 3)) / (1 + f64x2.extract_lane(sq, 0) + f64x2.extract_lane(sq, 1));
    f = f64x2.add(f, f64x2.mul(f64x2.splat(pw), d));
  }
  return f;
}

/** The gradient from attraction f, then point i's gains, update and new position. */
@inline
function move(i: i32, f: v128, yi: v128, rep: usize, update: usize, gains: usize, next: usize, inverseZ: f64, exaggeration: f64, momentum: f64, learningRate: f64): void {
  const at = <usize>i << 4;
  const g = f64x2.mul(f64x2.splat(4), f64x2.sub(f64x2.mul(f64x2.splat(exaggeration), f), f64x2.mul(v128.load(rep + at), f64x2.splat(inverseZ))));
  const u0 = v128.load(update + at);
  let gain = v128.load(gains + at);
  // Up by 0.2 where the gradient changed sign, else × 0.8; never below MIN_GAIN.
  gain = v128.bitselect(f64x2.add(gain, f64x2.splat(0.2)), f64x2.mul(gain, f64x2.splat(0.8)), f64x2.lt(f64x2.mul(u0, g), f64x2.splat(0)));
  const floor = f64x2.splat(MIN_GAIN);
  gain = v128.bitselect(floor, gain, f64x2.lt(gain, floor));
  v128.store(gains + at, gain);
  const u = f64x2.sub(f64x2.mul(f64x2.splat(momentum), u0), f64x2.mul(f64x2.mul(f64x2.splat(learningRate), gain), g));
  v128.store(update + at, u);
  v128.store(next + at, f64x2.add(yi, u));
}

/**
 * For points from..to: next_i = y_i + u_i with u_i the momentum update of the gradient
 * 4 (α Σ_e p_e w_e (y_i − y_j) − rep_i / Z), w_e = 1 / (1 + ‖y_i − y_j‖²); update and gains
 * are rewritten in place. Points are float64 pairs (x, y); rowStart and columns are int32.
 */
export function descentRows(rowStart: usize, columns: usize, values: usize, y: usize, rep: usize, update: usize, gains: usize, next: usize, from: i32, to: i32, inverseZ: f64, exaggeration: f64, momentum: f64, learningRate: f64): void {
  let i = from;
  for (; i + 1 < to; i += 2) {
    const ya = v128.load(y + (<usize>i << 4));
    const yb = v128.load(y + (<usize>i << 4), 16);
    let ea = load<i32>(rowStart + (<usize>i << 2));
    const endA = load<i32>(rowStart + (<usize>i << 2), 4);
    let eb = endA;
    const endB = load<i32>(rowStart + (<usize>i << 2), 8);
    let fa = f64x2.splat(0);
    let fb = f64x2.splat(0);
    // Entry k of row a in lane 0 and of row b in lane 1, while both rows have one.
    for (; ea < endA && eb < endB; ea++, eb++) {
      const da = difference(ya, y, columns, ea);
      const db = difference(yb, y, columns, eb);
      const p = v128.load64_lane(values + (<usize>eb << 3), v128.load64_zero(values + (<usize>ea << 3)), 1);
      const pw = f64x2.div(p, denominators(da, db));
      fa = f64x2.add(fa, f64x2.mul(v128.shuffle<f64>(pw, pw, 0, 0), da));
      fb = f64x2.add(fb, f64x2.mul(v128.shuffle<f64>(pw, pw, 1, 1), db));
    }
    fa = attraction(fa, ya, y, columns, values, ea, endA);
    fb = attraction(fb, yb, y, columns, values, eb, endB);
    move(i, fa, ya, rep, update, gains, next, inverseZ, exaggeration, momentum, learningRate);
    move(i + 1, fb, yb, rep, update, gains, next, inverseZ, exaggeration, momentum, learningRate);
  }
  if (i < to) {
    const yi = v128.load(y + (<usize>i << 4));
    const f = attraction(f64x2.splat(0), yi, y, columns, values, load<i32>(rowStart + (<usize>i << 2)), load<i32>(rowStart + (<usize>i << 2), 4));
    move(i, f, yi, rep, update, gains, next, inverseZ, exaggeration, momentum, learningRate);
  }
}

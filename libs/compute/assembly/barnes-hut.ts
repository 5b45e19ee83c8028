// The t-SNE Barnes-Hut walk (src/tsne/barnes-hut.ts) leaf by leaf: the tree walked once for the
// leaf's bounding box into lists of near points and far bodies, then the lists summed for the
// leaf's points two at a time in the lanes of an f64x2, so one division serves two
// interactions. The tree's arrays are copied into this module's memory by the caller, in the
// layout barnes-hut-tree.ts packs them in.

/** Float64 per node: centre of mass x, y; point count; width² / θ². */
const CENTER_X = 0, CENTER_Y = 8, COUNT = 16, FAR = 24;

/**
 * For leaves `from..to` of `leaves` (their nodes, in entry order), skipping piles of more than
 * `leafPoints` points: each point's Σ_j w² (y_e − y_j) into `fx`, `fy` and Σ_j w less 1 into
 * `zs`, all three indexed by entry, w = 1 / (1 + ‖y_e − y_j‖²). A cell is one body for the
 * whole leaf when width² / θ² is below its squared distance to the leaf's bounding box, and
 * never when it holds the leaf; the leaf itself and other near leaves count point by point.
 * `points`, `bodies` and `stack` are scratch: 2 n, 3 nodes float64 and 1,024 int32.
 */
export function walkLeaves(records: usize, links: usize, positions: usize, leaves: usize, from: i32, to: i32, leafPoints: i32, points: usize, bodies: usize, stack: usize, fx: usize, fy: usize, zs: usize): void {
  for (let l = from; l < to; l++) {
    const leaf = load<i32>(leaves + (<usize>l << 2));
    const count = <i32>load<f64>(records + (<usize>leaf << 5), COUNT);
    if (count > leafPoints) continue;
    const first = load<i32>(links + (<usize>leaf << 3), 4);
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let e = first; e < first + count; e++) {
      const px = load<f64>(positions + (<usize>e << 4));
      const py = load<f64>(positions + (<usize>e << 4), 8);
      minX = min(minX, px);
      maxX = max(maxX, px);
      minY = min(minY, py);
      maxY = max(maxY, py);
    }
    let pointsEnd = points;
    let bodiesEnd = bodies;
    let top: usize = stack;
    store<i32>(top, 0);
    top += 4;
    while (top > stack) {
      top -= 4;
      const node = load<i32>(top);
      const r = records + (<usize>node << 5);
      const mass = load<f64>(r, COUNT);
      if (mass == 0) continue;
      const cx = load<f64>(r, CENTER_X);
      const cy = load<f64>(r, CENTER_Y);
      const dx = cx < minX ? minX - cx : cx > maxX ? cx - maxX : 0;
      const dy = cy < minY ? minY - cy : cy > maxY ? cy - maxY : 0;
      const child = load<i32>(links + (<usize>node << 3));
      const nodeFirst = load<i32>(links + (<usize>node << 3), 4);
      const size = <i32>mass;
      const holdsLeaf = nodeFirst <= first && first < nodeFirst + size;
      if (!holdsLeaf && load<f64>(r, FAR) < dx * dx + dy * dy) {
        store<f64>(bodiesEnd, cx);
        store<f64>(bodiesEnd, cy, 8);
        store<f64>(bodiesEnd, mass, 16);
        bodiesEnd += 24;
      } else if (child < 0 && size <= leafPoints) {
        memory.copy(pointsEnd, positions + (<usize>nodeFirst << 4), <usize>size << 4);
        pointsEnd += <usize>size << 4;
      } else if (child < 0) {
        // A pile of coincident points, never the leaf itself: one body.
        store<f64>(bodiesEnd, cx);
        store<f64>(bodiesEnd, cy, 8);
        store<f64>(bodiesEnd, mass, 16);
        bodiesEnd += 24;
      } else {
        store<i32>(top, child);
        store<i32>(top, child + 1, 4);
        store<i32>(top, child + 2, 8);
        store<i32>(top, child + 3, 12);
        top += 16;
      }
    }
    sumLists(positions, first, count, points, pointsEnd, bodies, bodiesEnd, fx, fy, zs);
  }
}

/** The sums of walkLeaves for entries first..first+count over the lists. */
@inline
function sumLists(positions: usize, first: i32, count: i32, points: usize, pointsEnd: usize, bodies: usize, bodiesEnd: usize, fx: usize, fy: usize, zs: usize): void {
  const one = f64x2.splat(1);
  for (let a = 0; a < count; a += 2) {
    const e = first + a;
    // The pair's coordinates as x, x and y, y (an odd count's last point twice).
    const p = v128.load(positions + (<usize>e << 4));
    const q = a + 1 < count ? v128.load(positions + (<usize>e << 4), 16) : p;
    const tx = v128.shuffle<f64>(p, q, 0, 2);
    const ty = v128.shuffle<f64>(p, q, 1, 3);
    let f0 = f64x2.splat(0);
    let f1 = f64x2.splat(0);
    // Each point meets itself once among the points, at distance 0: w = 1 there, no force.
    let z = f64x2.splat(-1);
    for (let s = points; s < pointsEnd; s += 16) {
      const d0 = f64x2.sub(tx, v128.load64_splat(s));
      const d1 = f64x2.sub(ty, v128.load64_splat(s, 8));
      const w = f64x2.div(one, f64x2.add(f64x2.add(one, f64x2.mul(d0, d0)), f64x2.mul(d1, d1)));
      z = f64x2.add(z, w);
      const w2 = f64x2.mul(w, w);
      f0 = f64x2.add(f0, f64x2.mul(w2, d0));
      f1 = f64x2.add(f1, f64x2.mul(w2, d1));
    }
    for (let b = bodies; b < bodiesEnd; b += 24) {
      const d0 = f64x2.sub(tx, v128.load64_splat(b));
      const d1 = f64x2.sub(ty, v128.load64_splat(b, 8));
      const w = f64x2.div(one, f64x2.add(f64x2.add(one, f64x2.mul(d0, d0)), f64x2.mul(d1, d1)));
      const mw = f64x2.mul(v128.load64_splat(b, 16), w);
      z = f64x2.add(z, mw);
      const mw2 = f64x2.mul(mw, w);
      f0 = f64x2.add(f0, f64x2.mul(mw2, d0));
      f1 = f64x2.add(f1, f64x2.mul(mw2, d1));
    }
    const at = <usize>e << 3;
    store<f64>(fx + at, f64x2.extract_lane(f0, 0));
    store<f64>(fy + at, f64x2.extract_lane(f1, 0));
    store<f64>(zs + at, f64x2.extract_lane(z, 0));
    if (a + 1 < count) {
      store<f64>(fx + at, f64x2.extract_lane(f0, 1), 8);
      store<f64>(fy + at, f64x2.extract_lane(f1, 1), 8);
      store<f64>(zs + at, f64x2.extract_lane(z, 1), 8);
    }
  }
}

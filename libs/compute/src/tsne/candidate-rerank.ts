import { type Matrix } from '../matrix';
import { CandidateHeaps, normTrickDistance } from './neighbours';

/** Unit roundoffs of float32 and float64. */
const U32 = 2 ** -24;
const U64 = 2 ** -53;

/**
 * The most a float32 distance of the search (centred rows rounded to float32, norms, a d-term
 * float32 dot product, the norm trick) can differ from the float64 one reported (uncentred, the
 * norm trick in float64), for a row of centred length `c` and uncentred length `l` against any
 * row, whose lengths are at most `cMax` and `lMax`. Each operation's rounding is bounded by u
 * times the sizes involved, all below (‖a‖ + ‖b‖)²; the d + 16 counts the dot product's d
 * roundings and the few others, with room to spare.
 */
export function float32DistanceError(d: number, c: number, cMax: number, l: number, lMax: number): number {
  return (d + 16) * U32 * (c + cMax) ** 2 + (2 * d + 16) * U64 * (l + lMax) ** 2;
}

/**
 * Whether the k nearest by float64 distance among the kept candidates are the k nearest of all
 * rows: every row left out had a float32 distance of at least the worst kept one, so its float64
 * distance is at least that less the error bound, and if that is still beyond the k-th kept
 * float64 distance no row left out can belong (nor tie).
 */
export function keptCandidatesSuffice(allOffered: boolean, worstKept32: number, kthDistance: number, error: number): boolean {
  return allOffered || worstKept32 - error > kthDistance;
}

/** What re-ranking one row needs: the float64 rows, their norms and the error bound's sizes. */
export interface RerankInput {
  x: Matrix;
  k: number;
  norms: Float64Array;
  centredLengths: Float64Array;
  maxCentredLength: number;
  maxLength: number;
}

/**
 * Row `i`'s k neighbours from its kk float32 candidates (a heap at `from` of `idx`/`dist`):
 * their float64 distances recomputed from the original rows and sorted by (distance, index),
 * written at `i * k` of `indices`/`distances`. When the float32 order cannot vouch for the
 * result (near-ties at the k-th place, duplicate rows) the row is searched again in float64
 * against every row. Returns whether it was.
 */
export function rerankRow(input: RerankInput, i: number, idx: Int32Array, dist: Float32Array, from: number, kk: number, indices: Int32Array, distances: Float64Array, scratch: RerankScratch): boolean {
  const { x, k, norms } = input;
  const d = x.cols;
  const near = scratch.idx;
  const nearDist = scratch.dist;
  let kept = 0;
  let allOffered = false;
  // From the heap's leaves to its root: roughly nearest first, so each insertion moves little.
  for (let t = kk - 1; t >= 0; t--) {
    const j = idx[from + t];
    if (j < 0) {
      allOffered = true;
      continue;
    }
    // Insertion by (distance, index): ~100 candidates, cheaper than a sort with a comparator.
    const dj = normTrickDistance(x.data, d, i * d, j * d, norms[i], norms[j]);
    let c = kept++;
    while (c > 0 && (nearDist[c - 1] > dj || (nearDist[c - 1] === dj && near[c - 1] > j))) {
      nearDist[c] = nearDist[c - 1];
      near[c] = near[c - 1];
      c--;
    }
    nearDist[c] = dj;
    near[c] = j;
  }
  const error = float32DistanceError(d, input.centredLengths[i], input.maxCentredLength, Math.sqrt(norms[i]), input.maxLength);
  if (kept >= k && keptCandidatesSuffice(allOffered, dist[from], nearDist[k - 1], error)) {
    indices.set(near.subarray(0, k), i * k);
    distances.set(nearDist.subarray(0, k), i * k);
    return false;
  }
  exactRow(input, i, indices, distances);
  return true;
}

/** Scratch arrays for {@link rerankRow}, kk long, reused across rows. */
export interface RerankScratch {
  idx: Int32Array;
  dist: Float64Array;
}

export function rerankScratch(kk: number): RerankScratch {
  return { idx: new Int32Array(kk), dist: new Float64Array(kk) };
}

/** Row i's k nearest in float64 against every row, ties to the lower index. */
function exactRow(input: RerankInput, i: number, indices: Int32Array, distances: Float64Array): void {
  const { x, k, norms } = input;
  const { rows: n, cols: d, data } = x;
  const heap = new CandidateHeaps(1, k);
  for (let j = 0; j < n; j++) if (j !== i) heap.offer(0, j, normTrickDistance(data, d, i * d, j * d, norms[i], norms[j]));
  const row = heap.sorted();
  indices.set(row.indices, i * k);
  distances.set(row.distances, i * k);
}

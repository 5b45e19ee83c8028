import { type Matrix } from '../matrix';

/** Each point's k nearest other points, nearest first. */
export interface Neighbours {
  n: number;
  k: number;
  /** n × k: the neighbour indices of point i at `i * k … i * k + k - 1`. */
  indices: Int32Array;
  /** n × k: squared Euclidean distances, matching `indices`. */
  distances: Float64Array;
}

/** Rows compared at a time: a block of rows and its squared norms stay in cache. */
const BLOCK = 256;

/**
 * Exact k nearest neighbours by brute force: ‖a − b‖² = ‖a‖² + ‖b‖² − 2 a·b over blocks of
 * rows, each pair computed once and offered to both points' candidate heaps. O(n² d), which
 * is what a 50-dimensional t-SNE input needs up to tens of thousands of points; trees do not
 * help in 50 dimensions.
 */
export function exactNeighbours(x: Matrix, k: number, onProgress?: (fraction: number) => void): Neighbours {
  const { rows: n, cols: d, data } = x;
  if (k >= n) throw new RangeError(`k = ${k} needs more than ${n} points`);
  const heaps = new CandidateHeaps(n, k);
  const norms = squaredNorms(x);
  const blocks = Math.ceil(n / BLOCK);
  for (let a = 0; a < blocks; a++) {
    const a0 = a * BLOCK;
    const a1 = Math.min(n, a0 + BLOCK);
    for (let b = a; b < blocks; b++) {
      const b0 = b * BLOCK;
      const b1 = Math.min(n, b0 + BLOCK);
      for (let i = a0; i < a1; i++) {
        const ai = i * d;
        const ni = norms[i];
        for (let j = b === a ? i + 1 : b0; j < b1; j++) {
          const dist = normTrickDistance(data, d, ai, j * d, ni, norms[j]);
          heaps.offer(i, j, dist);
          heaps.offer(j, i, dist);
        }
      }
    }
    onProgress?.(1 - ((blocks - a - 1) / blocks) ** 2);
  }
  return heaps.sorted();
}

/** ‖x_i‖² of every row, summed in row order (the values every distance here is built from). */
export function squaredNorms(x: Matrix): Float64Array {
  const { rows: n, cols: d, data } = x;
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = i * d; t < (i + 1) * d; t++) s += data[t] * data[t];
    norms[i] = s;
  }
  return norms;
}

/**
 * ‖a − b‖² as ‖a‖² + ‖b‖² − 2 a·b for the rows starting at `a` and `b` of `data` (norms given),
 * clamped at 0. The one formula of every reported distance: it is symmetric to the last bit
 * (sums and products commute), so any search that uses it reports exactly the same values.
 */
export function normTrickDistance(data: Float64Array, d: number, a: number, b: number, normA: number, normB: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let t = 0;
  for (; t + 3 < d; t += 4) {
    s0 += data[a + t] * data[b + t];
    s1 += data[a + t + 1] * data[b + t + 1];
    s2 += data[a + t + 2] * data[b + t + 2];
    s3 += data[a + t + 3] * data[b + t + 3];
  }
  for (; t < d; t++) s0 += data[a + t] * data[b + t];
  return Math.max(normA + normB - 2 * (s0 + s1 + s2 + s3), 0);
}

/** One bounded max-heap of candidates per point; the root is the worst kept candidate. */
export class CandidateHeaps {
  readonly idx: Int32Array;
  readonly dist: Float64Array;
  readonly size: Int32Array;

  constructor(
    readonly n: number,
    readonly k: number,
  ) {
    this.idx = new Int32Array(n * k);
    this.dist = new Float64Array(n * k);
    this.size = new Int32Array(n);
  }

  offer(point: number, candidate: number, distance: number): void {
    const k = this.k;
    const base = point * k;
    const dist = this.dist;
    const idx = this.idx;
    let size = this.size[point];
    if (size < k) {
      // Sift up.
      let c = size++;
      this.size[point] = size;
      while (c > 0) {
        const parent = (c - 1) >> 1;
        if (dist[base + parent] >= distance) break;
        dist[base + c] = dist[base + parent];
        idx[base + c] = idx[base + parent];
        c = parent;
      }
      dist[base + c] = distance;
      idx[base + c] = candidate;
      return;
    }
    if (distance >= dist[base]) return;
    // Replace the root and sift down.
    let c = 0;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= k) break;
      const r = l + 1;
      const m = r < k && dist[base + r] > dist[base + l] ? r : l;
      if (dist[base + m] <= distance) break;
      dist[base + c] = dist[base + m];
      idx[base + c] = idx[base + m];
      c = m;
    }
    dist[base + c] = distance;
    idx[base + c] = candidate;
  }

  sorted(): Neighbours {
    const { n, k } = this;
    const order = new Int32Array(k);
    const indices = new Int32Array(n * k);
    const distances = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      const base = i * k;
      for (let t = 0; t < k; t++) order[t] = t;
      order.sort((a, b) => this.dist[base + a] - this.dist[base + b] || this.idx[base + a] - this.idx[base + b]);
      for (let t = 0; t < k; t++) {
        indices[base + t] = this.idx[base + order[t]];
        distances[base + t] = this.dist[base + order[t]];
      }
    }
    return { n, k, indices, distances };
  }
}

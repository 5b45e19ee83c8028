import { type Labels } from '../job-kind';
import { type Matrix } from '../matrix';
import { normalSource, seededRandom } from '../random';

/** `clusters` Gaussian blobs of unit spread in `dims` dimensions, centres about 6 apart, labelled. */
export function blobs(perCluster: number, clusters: number, dims: number, seed: number): { x: Matrix; labels: Labels } {
  const normal = normalSource(seededRandom(seed));
  const n = perCluster * clusters;
  const data = new Float64Array(n * dims);
  const codes = new Int32Array(n);
  const centres = Array.from({ length: clusters }, () => Array.from({ length: dims }, () => normal() * 6));
  for (let i = 0; i < n; i++) {
    const c = i % clusters;
    codes[i] = c;
    for (let d = 0; d < dims; d++) data[i * dims + d] = centres[c][d] + normal();
  }
  return { x: { rows: n, cols: dims, data }, labels: { codes, names: centres.map((_, c) => `c${c}`) } };
}

/** ‖a − b‖ / ‖b‖: how far a computed vector is from the reference `b`. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  let t = 0;
  for (let i = 0; i < a.length; i++) {
    e += (a[i] - b[i]) ** 2;
    t += b[i] ** 2;
  }
  return Math.sqrt(e / t);
}

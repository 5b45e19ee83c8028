import { type Matrix, normalSource, seededRandom } from '@gpulab/compute';

/** rows × dims of small whole numbers (0…levels − 1): many exactly tied distances and duplicate rows. */
export function integerGrid(rows: number, dims: number, levels: number, seed: number): Matrix {
  const next = seededRandom(seed);
  return { rows, cols: dims, data: Float64Array.from({ length: rows * dims }, () => Math.floor(next() * levels)) };
}

/** An n × 2 embedding as late in an optimization: ten clusters on a circle of radius `radius`. */
export function spreadEmbedding(n: number, radius: number, seed: number): Float64Array {
  const normal = normalSource(seededRandom(seed));
  const y = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const angle = (2 * Math.PI * (i % 10)) / 10;
    y[2 * i] = radius * Math.cos(angle) + (radius / 10) * normal();
    y[2 * i + 1] = radius * Math.sin(angle) + (radius / 10) * normal();
  }
  return y;
}

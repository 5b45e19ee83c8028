import { type Matrix } from '../matrix';
import { seededRandom } from '../random';

export { seededRandom };

/** rows × cols, entries uniform in [-1, 1). */
export function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const next = seededRandom(seed);
  return { rows, cols, data: Float64Array.from({ length: rows * cols }, () => next() * 2 - 1) };
}

import { type Matrix } from '../matrix';

/** A seeded generator (mulberry32) of numbers in [0, 1), so a failing test reproduces. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** rows × cols, entries uniform in [-1, 1). */
export function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const next = seededRandom(seed);
  return { rows, cols, data: Float64Array.from({ length: rows * cols }, () => next() * 2 - 1) };
}

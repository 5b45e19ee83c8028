import type * as Tf from '@tensorflow/tfjs';
import { tfjs } from '../tfjs';

/** The sides tried, smallest first; 1024 is large enough for XNNPACK's and BLAS' best kernels. */
const MATMUL_SIDES = [256, 512, 1024] as const;

/** A product slower than this, in ms, is large enough to time: the plain-JS cpu backend stops at 512. */
const LARGE_ENOUGH_MS = 200;

/** How long the timed matMuls run at least, in ms: enough products to find one the machine's other work left alone. */
const MATMUL_MIN_MS = 300;

/** A backend's measured square-matMul rate, and the side it was measured at. */
export interface MatMulRate {
  gflopsPerSecond: number;
  side: number;
}

/**
 * The GFLOP/s the active backend reaches on a square matMul (2·side³ FLOPs): the rate a
 * benchmark row's achieved GFLOP/s is measured against. The side is the first of 256, 512, 1024
 * whose untimed first product takes over {@link LARGE_ENOUGH_MS}, else 1024, so the cpu backend
 * (under 1 GFLOP/s, its rate the same at every side) does not spend seconds a product. Products
 * repeat until {@link MATMUL_MIN_MS} have passed, at least twice, and the fastest counts: a
 * peak, which other processes on the cores only lower.
 */
export function measureMatMulRate(): MatMulRate {
  for (const side of MATMUL_SIDES) {
    const rate = timedMatMul(side, side === MATMUL_SIDES[MATMUL_SIDES.length - 1]);
    if (rate) return rate;
  }
  throw new Error('unreachable: the last side is always timed');
}

/** The rate at `side`, or undefined where its first product was too quick to time and a larger side is left. */
function timedMatMul(side: number, last: boolean): MatMulRate | undefined {
  const tf = tfjs();
  const a = tf.randomUniform([side, side], -1, 1, 'float32', 1);
  const b = tf.randomUniform([side, side], -1, 1, 'float32', 2);
  try {
    const first = product(tf, a, b);
    if (first <= LARGE_ENOUGH_MS && !last) return undefined;
    const started = performance.now();
    let fastestMs = Infinity;
    for (let repeats = 0; repeats < 2 || performance.now() - started < MATMUL_MIN_MS; repeats++) fastestMs = Math.min(fastestMs, product(tf, a, b));
    return { gflopsPerSecond: (2 * side ** 3) / (fastestMs * 1e6), side };
  } finally {
    a.dispose();
    b.dispose();
  }
}

/** One product's time in ms, read back, as the benchmark's batches are. */
function product(tf: typeof Tf, a: Tf.Tensor, b: Tf.Tensor): number {
  const started = performance.now();
  const c = tf.matMul(a as Tf.Tensor2D, b as Tf.Tensor2D);
  c.dataSync();
  c.dispose();
  return performance.now() - started;
}

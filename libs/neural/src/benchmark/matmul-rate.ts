import { tfjs } from '../tfjs';

/** The square matMul that measures a backend's peak: large enough for XNNPACK's and BLAS' best kernels. */
export const MATMUL_SIDE = 1024;

/** How long the timed matMuls run at least, in ms: enough products to find one the machine's other work left alone. */
const MATMUL_MIN_MS = 300;

/**
 * The GFLOP/s the active backend reaches on a square `side` × `side` matMul (2·side³ FLOPs),
 * after one untimed product that compiles and allocates: the rate a benchmark row's achieved
 * GFLOP/s is measured against. Products repeat until {@link MATMUL_MIN_MS} have passed, at
 * least twice, and the fastest counts: a peak, which other processes on the cores only lower.
 */
export function measureMatMulGflops(side = MATMUL_SIDE): number {
  const tf = tfjs();
  const a = tf.randomUniform([side, side], -1, 1, 'float32', 1);
  const b = tf.randomUniform([side, side], -1, 1, 'float32', 2);
  try {
    const product = () => {
      const c = tf.matMul(a, b);
      // Reading back waits for the backend, as the benchmark's batches do.
      c.dataSync();
      c.dispose();
    };
    product();
    const started = performance.now();
    let fastestMs = Infinity;
    for (let repeats = 0; repeats < 2 || performance.now() - started < MATMUL_MIN_MS; repeats++) {
      const before = performance.now();
      product();
      fastestMs = Math.min(fastestMs, performance.now() - before);
    }
    return (2 * side ** 3) / (fastestMs * 1e6);
  } finally {
    a.dispose();
    b.dispose();
  }
}

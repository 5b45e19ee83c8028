import { blockRows } from './sum-blocks';

/**
 * One gradient-descent iteration for the points of some blocks, in one pass: the attraction
 * over their row of P, the gradient 4 (α Σ_j p_ij w_ij (y_i − y_j) − rep_i / Z), the gains,
 * the momentum update and the new position. Positions are read from `y` and written to `next`
 * (swapped by the caller), so a thread never reads a point another thread has moved. Every
 * buffer is shared; a thread gets whole blocks (see sum-blocks.ts).
 */
export interface DescentStepTask {
  kind: 'descentStep';
  n: number;
  y: SharedArrayBuffer;
  next: SharedArrayBuffer;
  /** Σ_j w_ij² (y_i − y_j) per point, from the repulsion. */
  repulsion: SharedArrayBuffer;
  update: SharedArrayBuffer;
  gains: SharedArrayBuffer;
  /** P in CSR. */
  rowStart: SharedArrayBuffer;
  columns: SharedArrayBuffer;
  values: SharedArrayBuffer;
  inverseZ: number;
  exaggeration: number;
  momentum: number;
  learningRate: number;
  /** Z when KL(P ‖ Q) is wanted (each block's terms go to `kl[block]`), else 0. */
  klZ: number;
  kl: SharedArrayBuffer;
  /**
   * Names P for the threads' caches, unique in the process: a thread gets a new
   * SharedArrayBuffer object for the same memory with every message, so it cannot know P by
   * identity. Without it, P is known by its buffer's identity (this thread's calls).
   */
  pId?: number;
  /** 'js' runs this file's loop rather than the WebAssembly one (descent-step-wasm.ts), which gives the same bits. */
  kernel?: 'js' | 'wasm';
}

const MIN_GAIN = 0.01;

export function descentStep(task: DescentStepTask, fromBlock: number, toBlock: number): void {
  const { n, inverseZ, exaggeration, momentum, learningRate, klZ } = task;
  const y = new Float64Array(task.y);
  const next = new Float64Array(task.next);
  const rep = new Float64Array(task.repulsion);
  const update = new Float64Array(task.update);
  const gains = new Float64Array(task.gains);
  const rowStart = new Int32Array(task.rowStart);
  const columns = new Int32Array(task.columns);
  const values = new Float64Array(task.values);
  const kl = new Float64Array(task.kl);
  const wantKl = klZ > 0;
  for (let block = fromBlock; block < toBlock; block++) {
    const [from, to] = blockRows(block, n);
    // KL's logarithms are kept out of the attraction's loop: with them in it, the loop ran at
    // half the speed even on the iterations that want no KL.
    if (wantKl) kl[block] = klTerms(y, rowStart, columns, values, klZ, from, to);
    for (let i = from; i < to; i++) {
      const yi0 = y[2 * i];
      const yi1 = y[2 * i + 1];
      let f0 = 0;
      let f1 = 0;
      const end = rowStart[i + 1];
      for (let e = rowStart[i]; e < end; e++) {
        const j = 2 * columns[e];
        const d0 = yi0 - y[j];
        const d1 = yi1 - y[j + 1];
        const pw = values[e] / (1 + d0 * d0 + d1 * d1);
        f0 += pw * d0;
        f1 += pw * d1;
      }
      next[2 * i] = yi0 + move(2 * i, 4 * (exaggeration * f0 - rep[2 * i] * inverseZ), update, gains, momentum, learningRate);
      next[2 * i + 1] = yi1 + move(2 * i + 1, 4 * (exaggeration * f1 - rep[2 * i + 1] * inverseZ), update, gains, momentum, learningRate);
    }
  }
}

/** Σ p_ij log(p_ij / q_ij) over the rows' entries, q_ij = w_ij / Z. */
export function klTerms(y: Float64Array, rowStart: Int32Array, columns: Int32Array, values: Float64Array, z: number, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) {
    for (let e = rowStart[i]; e < rowStart[i + 1]; e++) {
      const v = values[e];
      if (!(v > 0)) continue;
      const j = 2 * columns[e];
      const d0 = y[2 * i] - y[j];
      const d1 = y[2 * i + 1] - y[j + 1];
      sum += v * Math.log(v * z * (1 + d0 * d0 + d1 * d1));
    }
  }
  return sum;
}

/** Per-coordinate gains (up by 0.2 where the gradient changed sign, else × 0.8) and momentum. */
function move(t: number, g: number, update: Float64Array, gains: Float64Array, momentum: number, learningRate: number): number {
  let gain = gains[t];
  gain = update[t] * g < 0 ? gain + 0.2 : gain * 0.8;
  if (gain < MIN_GAIN) gain = MIN_GAIN;
  gains[t] = gain;
  const u = momentum * update[t] - learningRate * gain * g;
  update[t] = u;
  return u;
}

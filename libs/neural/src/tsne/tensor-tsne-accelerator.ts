import { type Matrix, type Neighbours, type TensorGradient, type TsneAccelerator, type TsneAffinities } from '@gpulab/compute';
import { type Tf, tfjs } from '../tfjs';
import { TensorTsneGradient } from './tensor-tsne-gradient';
import { TSNE_GPU_BACKENDS } from './tsne-path';

export interface TensorTsneOptions {
  /** The backend that runs the tensors, as results report it (gpulab's name for it: `tensorflow-gpu`, not tfjs' `tensorflow`). */
  backend: string;
  /**
   * The largest temporary a block of rows makes, in elements (rows × n); a block makes about 16.
   * @default 2^26 on a GPU backend (4 GiB at most, few kernel launches an iteration), 2^22 elsewhere
   */
  blockElements?: number;
}

/** Extra candidates the device ranks, so that float32 rounding cannot push a true neighbour out. */
const CANDIDATE_MARGIN = 8;

/**
 * t-SNE's O(n²) steps on the active TensorFlow.js backend, float32 on the device: the neighbour
 * search and the distance matrix as ‖a‖² + ‖b‖² − 2 a·b with one matMul per block of rows, the
 * gradient by {@link TensorTsneGradient}. Every tensor is made in a tidy or disposed.
 *
 * The device picks k + {@link CANDIDATE_MARGIN} candidates per point with topk; their distances
 * are then computed again here in float64 and the k nearest kept, sorted by distance then
 * index. That costs O(n k d). Where float32 cannot tell the k-th candidate from the last (ties
 * at the boundary, duplicates), that row is searched again here in full, so the result is
 * exactly `exactNeighbours`' sorted list, ties going to the lower index.
 */
export class TensorTsneAccelerator implements TsneAccelerator {
  readonly name: string;
  private readonly tf = tfjs();
  private readonly blockElements: number;

  constructor(options: TensorTsneOptions) {
    this.name = options.backend;
    this.blockElements = options.blockElements ?? (TSNE_GPU_BACKENDS.includes(options.backend) ? 2 ** 26 : 2 ** 22);
    if (!(Number.isInteger(this.blockElements) && this.blockElements >= 1)) throw new RangeError(`blockElements must be a whole number of at least 1, not ${this.blockElements}`);
  }

  async neighbours(x: Matrix, k: number): Promise<Neighbours> {
    const n = x.rows;
    if (!(Number.isInteger(k) && k >= 1 && k < n)) throw new RangeError(`k = ${k} needs a whole number of at least 1 and more than k points, not ${n}`);
    const m = Math.min(n - 1, k + CANDIDATE_MARGIN);
    const candidates = new Int32Array(n * m);
    const centred = centredRows(x);
    await this.eachBlock(x, centred.data, async (b0, rows, distances) => {
      const tf = this.tf;
      const nearest = tf.tidy(() => {
        const self = tf.equal(tf.range(b0, b0 + rows, 1, 'int32').reshape([rows, 1]), tf.range(0, n, 1, 'int32').reshape([1, n]));
        return tf.topk(tf.neg(tf.where(self, tf.fill([rows, n], Infinity), distances)), m, true).indices;
      });
      try {
        candidates.set((await nearest.data()) as Int32Array, b0 * m);
      } finally {
        nearest.dispose();
      }
    });
    return rerank(x, centred.norms, candidates, m, k);
  }

  async squaredDistances(x: Matrix): Promise<Float64Array> {
    const n = x.rows;
    const out = new Float64Array(n * n);
    await this.eachBlock(x, centredRows(x).data, async (b0, _rows, distances) => out.set(await distances.data(), b0 * n));
    // Exactly symmetric with a zero diagonal, as the CPU's matrix is: float32 rounds a_i·b_j and
    // b_j·a_i apart.
    for (let i = 0; i < n; i++) {
      out[i * n + i] = 0;
      for (let j = i + 1; j < n; j++) out[i * n + j] = out[j * n + i] = (out[i * n + j] + out[j * n + i]) / 2;
    }
    return out;
  }

  gradient(p: TsneAffinities): TensorGradient {
    return new TensorTsneGradient(p, this.blockElements);
  }

  /**
   * Uploads x's centred rows (float32) once and hands `use` each block of rows' squared
   * distances to every row (rows × n, clamped at 0), disposing each block after `use` and the
   * rows at the end.
   */
  private async eachBlock(x: Matrix, centred: Float32Array, use: (b0: number, rows: number, distances: Tf.Tensor2D) => Promise<void>): Promise<void> {
    const tf = this.tf;
    const n = x.rows;
    const all = tf.tensor2d(centred, [n, x.cols]);
    const norms = tf.tidy(() => tf.sum(tf.square(all), 1));
    try {
      const rowsPerBlock = Math.max(1, Math.floor(this.blockElements / n));
      for (let b0 = 0; b0 < n; b0 += rowsPerBlock) {
        const rows = Math.min(rowsPerBlock, n - b0);
        const distances = tf.tidy(() => {
          const block = all.slice([b0, 0], [rows, x.cols]);
          const dots = tf.matMul(block, all, false, true);
          const blockNorms = norms.slice(b0, rows).reshape([rows, 1]);
          return tf.relu(tf.sub(tf.add(blockNorms, norms.reshape([1, n])), tf.mul(dots, 2))) as Tf.Tensor2D;
        });
        try {
          await use(b0, rows, distances);
        } finally {
          distances.dispose();
        }
      }
    } finally {
      all.dispose();
      norms.dispose();
    }
  }
}

/**
 * The rows less the column means, in float32, and their squared norms in float64. Distances do
 * not change under a shift, and the expansion ‖a‖² + ‖b‖² − 2 a·b loses less to rounding when
 * the norms are small.
 */
function centredRows(x: Matrix): { data: Float32Array; norms: Float64Array } {
  const { rows, cols, data } = x;
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let t = 0; t < cols; t++) mean[t] += data[i * cols + t];
  for (let t = 0; t < cols; t++) mean[t] /= rows;
  const out = new Float32Array(rows * cols);
  const norms = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let t = 0; t < cols; t++) {
      const v = data[i * cols + t] - mean[t];
      out[i * cols + t] = v;
      norms[i] += v * v;
    }
  }
  return { data: out, norms };
}

/**
 * How far float32 may move a distance, relative to ‖a‖² + ‖b‖² of the centred rows: the
 * expansion's rounding is a few units of 2⁻²⁴ of that; this leaves a wide margin.
 */
const FLOAT32_SLACK = 1e-5;

/**
 * The k nearest of each point's m candidates by float64 distance, nearest first, ties by index.
 * A row whose k-th candidate float32 could not tell from its last is searched again in full.
 */
function rerank(x: Matrix, norms: Float64Array, candidates: Int32Array, m: number, k: number): Neighbours {
  const { rows: n, cols: d, data } = x;
  const largestNorm = norms.reduce((a, b) => Math.max(a, b), 0);
  const indices = new Int32Array(n * k);
  const distances = new Float64Array(n * k);
  const distance = (i: number, j: number) => {
    let s = 0;
    for (let c = 0; c < d; c++) {
      const diff = data[i * d + c] - data[j * d + c];
      s += diff * diff;
    }
    return s;
  };
  const keep = (i: number, order: number[], index: (t: number) => number, dist: ArrayLike<number>) => {
    order.sort((a, b) => dist[a] - dist[b] || index(a) - index(b));
    for (let t = 0; t < k; t++) {
      indices[i * k + t] = index(order[t]);
      distances[i * k + t] = dist[order[t]];
    }
  };
  const order = Array.from({ length: m }, (_, t) => t);
  const dist = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    let last = 0;
    for (let t = 0; t < m; t++) {
      dist[t] = distance(i, candidates[i * m + t]);
      last = Math.max(last, dist[t]);
      order[t] = t;
    }
    keep(i, order, (t) => candidates[i * m + t], dist);
    const kth = distances[i * k + k - 1];
    if (m < n - 1 && last - kth <= FLOAT32_SLACK * (norms[i] + largestNorm)) {
      const all = Float64Array.from({ length: n }, (_, j) => (j === i ? Infinity : distance(i, j)));
      keep(i, Array.from({ length: n }, (_, j) => j), (j) => j, all);
    }
  }
  return { n, k, indices, distances };
}

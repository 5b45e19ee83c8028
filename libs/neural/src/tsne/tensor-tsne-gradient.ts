import { type TensorGradient, type TsneAffinities } from '@gpulab/compute';
import { type Tf, tfjs } from '../tfjs';

/** P as it stays on the device for one optimization. */
type DeviceAffinities =
  | {
      kind: 'sparse';
      /** The row of each stored entry, as scatterND wants it: nnz × 1. */
      rows: Tf.Tensor2D;
      rowIds: Tf.Tensor1D;
      columns: Tf.Tensor1D;
      values: Tf.Tensor1D;
    }
  | { kind: 'dense'; values: Tf.Tensor2D };

/**
 * The t-SNE gradient as tensor ops. P is uploaded once (float32); each call uploads y (2n
 * floats) and downloads, per point, the repulsion Σ_j w_ij² (y_i − y_j), the attraction
 * Σ_j p_ij w_ij (y_i − y_j), the row sum Σ_j w_ij and, for the KL, Σ_j p_ij log w_ij. Those n × 6
 * numbers are combined here in float64: Z sums n² terms, which float32 would round visibly.
 *
 * The repulsion is exact: every pair, over blocks of rows so that no temporary exceeds
 * `blockElements` (rows × n) elements; a block makes about 16 of them. The attraction takes
 * sparse P by gather and scatterND (summing the entries of each row; scatterND is the one
 * segment sum every backend has, wasm included), dense P block by block.
 */
export class TensorTsneGradient implements TensorGradient {
  private readonly tf = tfjs();
  private readonly n: number;
  private readonly p: DeviceAffinities;
  /** Σ p log p and Σ p over P's positive entries, in float64: the parts of the KL that do not move. */
  private readonly pLogP: number;
  private readonly pSum: number;
  private disposed = false;

  constructor(
    affinities: TsneAffinities,
    private readonly blockElements: number,
  ) {
    const tf = this.tf;
    const values = 'sparse' in affinities ? affinities.sparse.values : affinities.dense;
    let pLogP = 0;
    let pSum = 0;
    for (const v of values) {
      if (v > 0) {
        pLogP += v * Math.log(v);
        pSum += v;
      }
    }
    this.pLogP = pLogP;
    this.pSum = pSum;
    if ('sparse' in affinities) {
      const { n, rowStart, columns } = affinities.sparse;
      this.n = n;
      const rowIds = new Int32Array(columns.length);
      for (let i = 0; i < n; i++) rowIds.fill(i, rowStart[i], rowStart[i + 1]);
      this.p = {
        kind: 'sparse',
        rows: tf.tensor2d(rowIds, [rowIds.length, 1], 'int32'),
        rowIds: tf.tensor1d(rowIds, 'int32'),
        columns: tf.tensor1d(columns, 'int32'),
        values: tf.tensor1d(Float32Array.from(values)),
      };
    } else {
      this.n = affinities.n;
      this.p = { kind: 'dense', values: tf.tensor2d(Float32Array.from(affinities.dense), [affinities.n, affinities.n]) };
    }
  }

  async compute(y: Float64Array, exaggeration: number, grad: Float64Array, wantKl: boolean): Promise<number> {
    if (this.disposed) throw new Error('this t-SNE gradient was disposed');
    const n = this.n;
    const packed = this.tf.tidy(() => this.perPoint(centred(y, n), wantKl));
    let sums: Float32Array;
    try {
      sums = (await packed.data()) as Float32Array;
    } finally {
      packed.dispose();
    }
    const c = COLUMNS;
    let z = 0;
    // Each row sum holds w_ii = 1, which Z leaves out.
    for (let i = 0; i < n; i++) z += sums[c * i + ROW_SUM] - 1;
    const inverseZ = 1 / z;
    let pLogW = 0;
    for (let i = 0; i < n; i++) {
      const at = c * i;
      grad[2 * i] = 4 * (exaggeration * sums[at + ATTRACTION] - sums[at + REPULSION] * inverseZ);
      grad[2 * i + 1] = 4 * (exaggeration * sums[at + ATTRACTION + 1] - sums[at + REPULSION + 1] * inverseZ);
      pLogW += sums[at + P_LOG_W];
    }
    // KL(P ‖ Q) = Σ p log(p Z / w) = Σ p log p + log Z Σ p − Σ p log w.
    return wantKl ? this.pLogP + Math.log(z) * this.pSum - pLogW : NaN;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.tf.dispose(Object.values(this.p).filter((v): v is Tf.Tensor => typeof v !== 'string'));
  }

  /** n × {@link COLUMNS}: what {@link compute} combines. */
  private perPoint(yData: Float32Array, wantKl: boolean): Tf.Tensor2D {
    const tf = this.tf;
    const n = this.n;
    const y = tf.tensor2d(yData, [n, 2]);
    const y0 = y.slice([0, 0], [n, 1]).as2D(1, n);
    const y1 = y.slice([0, 1], [n, 1]).as2D(1, n);
    const rowsPerBlock = Math.max(1, Math.floor(this.blockElements / n));
    const blocks: Tf.Tensor2D[] = [];
    for (let b0 = 0; b0 < n; b0 += rowsPerBlock) {
      const rows = Math.min(rowsPerBlock, n - b0);
      // A tidy per block: its rows × n temporaries go before the next block makes its own.
      blocks.push(tf.tidy(() => this.block(y0, y1, b0, rows, wantKl)));
    }
    const perBlock = tf.concat(blocks, 0);
    if (this.p.kind === 'dense') return perBlock;
    return tf.concat([perBlock, this.sparseAttraction(y, wantKl)], 1);
  }

  /**
   * Rows b0 … b0 + rows − 1 against all points: repulsion, row sum of w and, with dense P, the
   * attraction and Σ p log w; with sparse P those come from {@link sparseAttraction}.
   */
  private block(y0: Tf.Tensor2D, y1: Tf.Tensor2D, b0: number, rows: number, wantKl: boolean): Tf.Tensor2D {
    const tf = this.tf;
    const d0 = tf.sub(y0.slice([0, b0], [1, rows]).reshape([rows, 1]), y0);
    const d1 = tf.sub(y1.slice([0, b0], [1, rows]).reshape([rows, 1]), y1);
    const w = tf.reciprocal(tf.add(tf.add(tf.square(d0), tf.square(d1)), 1));
    const w2 = tf.square(w);
    const columns = [tf.sum(tf.mul(w2, d0), 1), tf.sum(tf.mul(w2, d1), 1), tf.sum(w, 1)];
    if (this.p.kind === 'dense') {
      const p = this.p.values.slice([b0, 0], [rows, this.n]);
      const pw = tf.mul(p, w);
      columns.push(tf.sum(tf.mul(pw, d0), 1), tf.sum(tf.mul(pw, d1), 1));
      columns.push(wantKl ? tf.sum(tf.mul(p, tf.log(w)), 1) : tf.zeros([rows]));
    }
    return tf.stack(columns, 1) as Tf.Tensor2D;
  }

  /** n × 3: Σ_j p_ij w_ij (y_i − y_j) and Σ_j p_ij log w_ij over sparse P's entries. */
  private sparseAttraction(y: Tf.Tensor2D, wantKl: boolean): Tf.Tensor2D {
    const tf = this.tf;
    if (this.p.kind !== 'sparse') throw new Error('sparse attraction without sparse P');
    const { rows, rowIds, columns, values } = this.p;
    const d = tf.sub(tf.gather(y, rowIds), tf.gather(y, columns));
    const w = tf.reciprocal(tf.add(tf.sum(tf.square(d), 1), 1));
    const force = tf.mul(tf.mul(values, w).reshape([-1, 1]), d);
    const kl = wantKl ? tf.mul(values, tf.log(w)).reshape([-1, 1]) : tf.zerosLike(w).reshape([-1, 1]);
    return tf.scatterND(rows, tf.concat([force, kl], 1), [this.n, 3]);
  }
}

/** The columns {@link TensorTsneGradient} downloads per point. */
const REPULSION = 0;
const ROW_SUM = 2;
const ATTRACTION = 3;
const P_LOG_W = 5;
const COLUMNS = 6;

/**
 * y less its mean, in float32. The gradient does not change under a shift, and float32 keeps
 * more of the differences y_i − y_j when the coordinates themselves are small.
 */
function centred(y: Float64Array, n: number): Float32Array {
  let m0 = 0;
  let m1 = 0;
  for (let i = 0; i < n; i++) {
    m0 += y[2 * i];
    m1 += y[2 * i + 1];
  }
  m0 /= n;
  m1 /= n;
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = y[2 * i] - m0;
    out[2 * i + 1] = y[2 * i + 1] - m1;
  }
  return out;
}

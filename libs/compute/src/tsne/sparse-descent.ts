import { RowPool } from '../parallel/row-pool';
import { runRowKernel, type RowTask, sharedFloat64 } from '../parallel/row-kernels';
import { type SparseAffinities } from './affinities';
import { BarnesHutTree } from './barnes-hut';
import { type DescentStepTask } from './descent-step';
import { FftRepulsion } from './fft-interpolation';
import { blockCount, sumBlocks } from './sum-blocks';

/** Below this many points one thread does the whole iteration: a dispatch would cost more than the half it saves. */
const PARALLEL_MIN_POINTS = 1000;

export interface SparseDescentOptions {
  method: 'barnes-hut' | 'fft';
  theta: number;
  learningRate: number;
  /** @default all cores (at most 8) */
  threads?: number;
}

/**
 * t-SNE's optimization with sparse P, on all cores: each iteration is the repulsion (the
 * Barnes-Hut walk on a RowPool over a tree this thread builds, or the FFT interpolation with its
 * two grids on two threads) and then one fused pass (see descent-step.ts, run in WebAssembly by
 * descent-step-wasm.ts) on the RowPool. Every array lives in shared memory; the rows go to
 * threads in whole blocks, so the embedding does not depend on the thread count.
 */
export class SparseDescent {
  private y: Float64Array<SharedArrayBuffer>;
  private next: Float64Array<SharedArrayBuffer>;
  private readonly repulsion: Float64Array<SharedArrayBuffer>;
  private readonly update: Float64Array<SharedArrayBuffer>;
  private readonly gains: Float64Array<SharedArrayBuffer>;
  private readonly z: Float64Array<SharedArrayBuffer>;
  private readonly kl: Float64Array<SharedArrayBuffer>;
  private readonly p: { rowStart: SharedArrayBuffer; columns: SharedArrayBuffer; values: SharedArrayBuffer };
  private readonly blocks: number;
  private readonly tree = new BarnesHutTree();
  /** Names this optimization's P for the threads' caches (see DescentStepTask.pId). */
  private readonly pId = nextPId++;

  private constructor(
    private readonly n: number,
    affinities: SparseAffinities,
    start: Float64Array,
    private readonly options: SparseDescentOptions,
    private readonly pool: RowPool | undefined,
    private readonly fft: FftRepulsion | undefined,
  ) {
    this.y = sharedFloat64(2 * n);
    this.y.set(start.subarray(0, 2 * n));
    this.next = sharedFloat64(2 * n);
    this.repulsion = sharedFloat64(2 * n);
    this.update = sharedFloat64(2 * n);
    this.gains = sharedFloat64(2 * n);
    this.gains.fill(1);
    this.blocks = blockCount(n);
    this.z = sharedFloat64(this.blocks);
    this.kl = sharedFloat64(this.blocks);
    this.p = { rowStart: copyShared(affinities.rowStart), columns: copyShared(affinities.columns), values: copyShared(affinities.values) };
  }

  static async create(affinities: SparseAffinities, start: Float64Array, options: SparseDescentOptions): Promise<SparseDescent> {
    const n = affinities.n;
    const pool = n >= PARALLEL_MIN_POINTS ? RowPool.open(options.threads) : undefined;
    try {
      const fft = options.method === 'fft' ? await FftRepulsion.create(n, undefined, undefined, options.threads) : undefined;
      return new SparseDescent(n, affinities, start, options, pool, fft);
    } catch (error) {
      pool?.close();
      throw error;
    }
  }

  /** A new phase starts from rest, as in scikit-learn. */
  restart(): void {
    this.update.fill(0);
    this.gains.fill(1);
  }

  /** One iteration; returns KL(P ‖ Q) (P unexaggerated) when asked, else NaN. */
  step(exaggeration: number, momentum: number, wantKl: boolean): number {
    const { n } = this;
    let z: number;
    if (this.fft) {
      z = this.fft.compute(this.y, n, this.repulsion);
    } else {
      const tree = this.tree.build(this.y, n, this.options.theta);
      this.run({ kind: 'barnesHutWalk', tree, n, y: buffer(this.y), out: buffer(this.repulsion), z: buffer(this.z) });
      z = sumBlocks(this.z, this.blocks);
    }
    const task: DescentStepTask = {
      kind: 'descentStep',
      pId: this.pId,
      n,
      y: buffer(this.y),
      next: buffer(this.next),
      repulsion: buffer(this.repulsion),
      update: buffer(this.update),
      gains: buffer(this.gains),
      ...this.p,
      inverseZ: 1 / z,
      exaggeration,
      momentum,
      learningRate: this.options.learningRate,
      klZ: wantKl ? z : 0,
      kl: buffer(this.kl),
    };
    this.run(task);
    [this.y, this.next] = [this.next, this.y];
    return wantKl ? sumBlocks(this.kl, this.blocks) : NaN;
  }

  /** The current embedding (n × 2, row-major), as a copy of its own. */
  embedding(): Float64Array {
    return Float64Array.from(this.y);
  }

  close(): void {
    this.pool?.close();
    this.fft?.dispose();
  }

  private run(task: RowTask): void {
    if (this.pool) this.pool.run(task, this.blocks);
    else runRowKernel(task, 0, this.blocks, 0);
  }
}

/** Process-wide, so no two optimizations' P share a name in any thread. */
let nextPId = 1;

function copyShared(a: Float64Array | Int32Array): SharedArrayBuffer {
  const out = new SharedArrayBuffer(a.byteLength);
  new Uint8Array(out).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return out;
}

function buffer(a: Float64Array<SharedArrayBuffer>): SharedArrayBuffer {
  return a.buffer;
}

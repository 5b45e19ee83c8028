import type { PffftModule } from '@echogarden/pffft-wasm/simd';
import { boundingBox } from '../bounding-box';
import { type Repulsion } from './forces';
import { availableParallelism } from 'node:os';
import { RowPool } from '../parallel/row-pool';
import { sharedFloat64 } from '../parallel/row-kernels';
import { fftSizeAtLeast, GridConvolution, loadFft, squaredCauchy } from './grid-convolution';
import { type BoxLayout, type FftPointsTask, NODES_PER_BOX, orderByBoxRow, pointForces, selfKernel, spreadCharges, type SpreadPoints, RECORD_LENGTH } from './fft-points';
import { ParallelGridConvolution } from './parallel-grid';
import { blockCount, sumBlocks } from './sum-blocks';

/** Boxes per dimension at the least, however small the embedding. */
const MIN_BOXES = 40;
/**
 * The widest box, in embedding units. The kernel varies on a scale of 1: with three nodes per
 * unit the forces are within about 3% of exact and the optimization ends within 2% of the
 * Barnes-Hut KL on 10,000 points; wider boxes lose accuracy fast (9% at 1.4).
 */
const MAX_BOX_WIDTH = 1;
/**
 * Below this many points, boxes are half as wide. Interpolation slightly weakens the
 * repulsion between close neighbours; with few points each force comes from few neighbours, so
 * that error does not average out (measured: KL 8% above exact on 600 points with width 1,
 * within 1% with 0.5). The grid then dominates the cost, but so it does at any width there.
 */
const SMALL_N = 5000;
/**
 * From this many points on (and with more than one thread), the points are spread and read
 * back on a RowPool. The threads' share costs shared copies of the first grid's corner each way
 * and two hand-overs. On two busy cores (load 6 to 9) the pool lost at 10,000 and 30,000 points
 * and was within the noise of one thread at 70,000, where the passes take some 10 ms; it is
 * there for idle cores, where that share is split.
 */
const POOL_MIN_POINTS = 50_000;
/** Box widths are rounded up to one of this many steps per doubling, so the kernel's transform is reused while the embedding grows slowly. */
const WIDTH_STEPS_PER_DOUBLING = 16;

/**
 * FFT-accelerated interpolation (FIt-SNE, Linderman et al. 2019) for the repulsive forces in
 * two dimensions. The points' charges (1, y₁, y₂, ‖y‖², coordinates taken from the grid's
 * centre) are spread onto a regular grid by Lagrange interpolation, convolved with the kernel
 * w² = 1 / (1 + r²)² by FFT, and read back at the points. From those four potentials come both
 * Σ_j w_ij² (y_i − y_j) and Z, since w = w² (1 + r²). Cost is O(n) plus the FFT of the grid,
 * which grows with the embedding's extent, not with n.
 */
export class FftRepulsion implements Repulsion {
  readonly method = 'fft';
  private grid?: GridConvolution | ParallelGridConvolution;
  private points: SharedPoints = sharedPoints(0);
  private z = sharedFloat64(0);
  /** Shared stand-ins, for the threads, of what the caller or the FFT holds in unshared memory. */
  private staged = { y: sharedFloat64(0), out: sharedFloat64(0), a: sharedFloat32(0), b: sharedFloat32(0) };

  private constructor(
    private readonly fft: PffftModule,
    private readonly maxBoxWidth: number,
    private readonly pool: RowPool | undefined,
  ) {}

  /**
   * From {@link SMALL_N} points on, with more than one core, the two grids are convolved on two
   * threads at once; from {@link POOL_MIN_POINTS} on, the points are spread and read back on a
   * RowPool too.
   * @param maxBoxWidth default: 1, or 0.5 below {@link SMALL_N} points
   * @param perBox interpolation nodes per box and dimension: FIt-SNE's default of 3, the only one the point kernels are written for
   * @param threads at most this many threads (1: this one only); the result is the same either way
   */
  static async create(points: number, maxBoxWidth = points < SMALL_N ? MAX_BOX_WIDTH / 2 : MAX_BOX_WIDTH, perBox = NODES_PER_BOX, threads = availableParallelism()): Promise<FftRepulsion> {
    if (perBox !== NODES_PER_BOX) throw new RangeError(`the FFT repulsion interpolates with ${NODES_PER_BOX} nodes per box, not ${perBox}`);
    const fft = await loadFft();
    const parallel = points >= SMALL_N && threads > 1;
    const pool = parallel && points >= POOL_MIN_POINTS ? RowPool.open(threads) : undefined;
    const repulsion = new FftRepulsion(fft, maxBoxWidth, pool);
    try {
      if (parallel) repulsion.grid = await ParallelGridConvolution.create(fft, fftSizeAtLeast(2 * NODES_PER_BOX * MIN_BOXES));
    } catch (error) {
      repulsion.dispose();
      throw error;
    }
    return repulsion;
  }

  dispose(): void {
    this.grid?.dispose();
    this.grid = undefined;
    this.pool?.close();
  }

  /** The FFT size last used (for reports and tests). */
  get fftSize(): number {
    return this.grid?.size ?? 0;
  }

  compute(y: Float64Array, n: number, out: Float64Array): number {
    const box = boundingBox(y, n);
    const lo = Math.min(box.minX, box.minY);
    const hi = Math.max(box.maxX, box.maxY);
    const span = Math.max(hi - lo, 1e-9);
    const pb = NODES_PER_BOX;
    const wanted = Math.max(MIN_BOXES, Math.ceil(span / this.maxBoxWidth));
    const size = fftSizeAtLeast(2 * pb * wanted);
    // As many boxes as the transform holds: more accuracy at no extra FFT cost.
    const boxes = Math.floor(size / (2 * pb));
    const width = 2 ** (Math.ceil(Math.log2(span / boxes) * WIDTH_STEPS_PER_DOUBLING) / WIDTH_STEPS_PER_DOUBLING);
    const nodes = boxes * pb;
    const spacing = width / pb;
    // Charges relative to the grid's centre keep the potentials small, so single precision
    // loses little when they are combined below.
    const layout: BoxLayout = { boxes, width, origin: (lo + hi) / 2 - (boxes * width) / 2, centre: (lo + hi) / 2, stride: size };
    const grid = this.gridOfSize(size);
    this.reserve(n);
    grid.setKernel(`${nodes}:${spacing}`, nodes, (r2) => squaredCauchy(r2, spacing), spacing);
    // The convolution reads the first `nodes` rows, all of them (its inverse leaves values
    // past column `nodes` there); the rows below are never read, so they need no clearing.
    const rows = 2 * size * nodes;
    const blocks = blockCount(n);
    if (this.pool) {
      this.computeOnPool(this.pool, grid, y, n, out, layout, spacing, rows);
    } else {
      const points = this.points.arrays;
      grid.a.fill(0, 0, rows);
      grid.b.fill(0, 0, rows);
      orderByBoxRow(y, n, layout, points);
      spreadCharges(y, layout, points, grid.a, grid.b, 0, n);
      grid.convolve(nodes);
      pointForces({ n, layout, points, a: grid.a, b: grid.b, kernel: selfKernel(spacing), out, z: this.z }, 0, blocks);
    }
    return sumBlocks(this.z, blocks);
  }

  /**
   * {@link compute}'s passes with the spreading and the reading back on the pool. The threads
   * see only shared memory: the first grid (in the FFT's memory) goes through a shared copy,
   * and so do y and out where the caller's are not shared.
   */
  private computeOnPool(pool: RowPool, grid: GridConvolution | ParallelGridConvolution, y: Float64Array, n: number, out: Float64Array, layout: BoxLayout, spacing: number, rows: number): void {
    const nodes = layout.boxes * NODES_PER_BOX;
    const m = layout.stride;
    const ys = shareable(y) ?? this.stage('y', y, 2 * n);
    orderByBoxRow(ys, n, layout, this.points.arrays);
    const a = this.staged.a;
    const b = shareable(grid.b) ?? this.staged.b;
    // A stand-in only ever holds values in the corner, so only the corner needs clearing.
    clearCorner(a, m, nodes);
    if (b === grid.b) b.fill(0, 0, rows);
    else clearCorner(b, m, nodes);
    const outs = shareable(out) ?? this.staged.out;
    const task: FftPointsTask = { kind: 'fftSpread', n, layout, spacing, y: ys.buffer, ...this.points.buffers, a: a.buffer, b: b.buffer, out: outs.buffer, z: this.z.buffer };
    const blocks = blockCount(n);
    pool.run(task, blocks);
    copyCorner(a, grid.a, m, nodes, true);
    if (b !== grid.b) copyCorner(b, grid.b, m, nodes, true);
    grid.convolve(nodes);
    copyCorner(grid.a, a, m, nodes, false);
    if (b !== grid.b) copyCorner(grid.b, b, m, nodes, false);
    pool.run({ ...task, kind: 'fftForces' }, blocks);
    if (outs !== out) out.set(outs.subarray(0, 2 * n));
  }

  /** The shared stand-in `which`, holding the first `length` values of `from`. */
  private stage(which: 'y', from: Float64Array, length: number): Float64Array<SharedArrayBuffer> {
    const staged = this.staged[which];
    staged.set(from.subarray(0, length));
    return staged;
  }

  private gridOfSize(size: number): GridConvolution | ParallelGridConvolution {
    if (this.grid instanceof ParallelGridConvolution) {
      this.grid.resize(size);
    } else if (this.grid?.size !== size) {
      this.grid?.dispose();
      this.grid = new GridConvolution(this.fft, size);
    }
    if (this.pool && this.staged.a.length !== 2 * size * size) {
      this.staged.a = sharedFloat32(2 * size * size);
      this.staged.b = shareable(this.grid.b) ? sharedFloat32(0) : sharedFloat32(2 * size * size);
    }
    return this.grid;
  }

  private reserve(n: number): void {
    if (this.points.arrays.order.length >= n) return;
    this.points = sharedPoints(n);
    this.z = sharedFloat64(blockCount(n));
    if (this.pool) this.staged = { ...this.staged, y: sharedFloat64(2 * n), out: sharedFloat64(2 * n) };
  }
}

interface SharedPoints {
  arrays: SpreadPoints;
  buffers: { rowOf: SharedArrayBuffer; order: SharedArrayBuffer; nodes: SharedArrayBuffer; records: SharedArrayBuffer };
}

function sharedPoints(n: number): SharedPoints {
  const buffers = {
    rowOf: new SharedArrayBuffer(4 * n),
    order: new SharedArrayBuffer(4 * n),
    nodes: new SharedArrayBuffer(4 * n),
    records: new SharedArrayBuffer(8 * RECORD_LENGTH * n),
  };
  const arrays = { rowOf: new Int32Array(buffers.rowOf), order: new Int32Array(buffers.order), nodes: new Int32Array(buffers.nodes), records: new Float64Array(buffers.records) };
  return { arrays, buffers };
}

function sharedFloat32(length: number): Float32Array<SharedArrayBuffer> {
  return new Float32Array(new SharedArrayBuffer(4 * length));
}

function clearCorner(grid: Float32Array, stride: number, nodes: number): void {
  for (let r = 0; r < nodes; r++) grid.fill(0, 2 * r * stride, 2 * (r * stride + nodes));
}

/**
 * The nodes × nodes corner of one grid into another (both of row stride `stride`); with
 * `zeroRows`, the rest of those rows in `to` is zeroed, as the convolution reads them whole.
 */
function copyCorner(from: Float32Array, to: Float32Array, stride: number, nodes: number, zeroRows: boolean): void {
  for (let r = 0; r < nodes; r++) {
    const at = 2 * r * stride;
    to.set(from.subarray(at, at + 2 * nodes), at);
    if (zeroRows) to.fill(0, at + 2 * nodes, at + 2 * stride);
  }
}

/** The array itself when threads can read it as a whole shared buffer. */
function shareable<T extends Float32Array | Float64Array>(a: T): (T & { buffer: SharedArrayBuffer }) | undefined {
  return a.buffer instanceof SharedArrayBuffer && a.byteOffset === 0 ? (a as T & { buffer: SharedArrayBuffer }) : undefined;
}

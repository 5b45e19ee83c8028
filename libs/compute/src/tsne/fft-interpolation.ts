import type { PffftModule } from '@echogarden/pffft-wasm/simd';
import { boundingBox } from '../bounding-box';
import { type Repulsion } from './forces';
import { availableParallelism } from 'node:os';
import { fftSizeAtLeast, GridConvolution, loadFft, squaredCauchy } from './grid-convolution';
import { ParallelGridConvolution } from './parallel-grid';

/** Interpolation nodes per box and dimension (FIt-SNE's default). */
const NODES_PER_BOX = 3;
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
  private readonly denominators: Float64Array;
  private weights = new Float64Array(0);
  private cells = new Int32Array(0);
  private potentials = new Float64Array(0);
  private self = new Float64Array(0);

  private constructor(
    private readonly fft: PffftModule,
    private readonly maxBoxWidth: number,
    private readonly perBox: number,
  ) {
    this.denominators = new Float64Array(perBox);
    for (let j = 0; j < perBox; j++) {
      let d = 1;
      for (let k = 0; k < perBox; k++) if (k !== j) d *= j - k;
      this.denominators[j] = d;
    }
  }

  /**
   * From {@link SMALL_N} points on, with more than one core, the two grids are convolved on two
   * threads at once.
   * @param maxBoxWidth default: 1, or 0.5 below {@link SMALL_N} points
   * @param threads at most this many threads (1: this one only); the result is the same either way
   */
  static async create(points: number, maxBoxWidth = points < SMALL_N ? MAX_BOX_WIDTH / 2 : MAX_BOX_WIDTH, perBox = NODES_PER_BOX, threads = availableParallelism()): Promise<FftRepulsion> {
    const fft = await loadFft();
    const repulsion = new FftRepulsion(fft, maxBoxWidth, perBox);
    if (points >= SMALL_N && threads > 1) repulsion.grid = await ParallelGridConvolution.create(fft, fftSizeAtLeast(2 * perBox * MIN_BOXES));
    return repulsion;
  }

  dispose(): void {
    this.grid?.dispose();
    this.grid = undefined;
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
    const pb = this.perBox;
    const wanted = Math.max(MIN_BOXES, Math.ceil(span / this.maxBoxWidth));
    const size = fftSizeAtLeast(2 * pb * wanted);
    // As many boxes as the transform holds: more accuracy at no extra FFT cost.
    const boxes = Math.floor(size / (2 * pb));
    const width = 2 ** (Math.ceil(Math.log2(span / boxes) * WIDTH_STEPS_PER_DOUBLING) / WIDTH_STEPS_PER_DOUBLING);
    const nodes = boxes * pb;
    const spacing = width / pb;
    const origin = (lo + hi) / 2 - (boxes * width) / 2;
    const grid = this.gridOfSize(size);
    this.reserve(n);
    grid.setKernel(`${nodes}:${spacing}`, nodes, (r2) => squaredCauchy(r2, spacing), spacing);
    // Charges relative to the grid's centre keep the potentials small, so single precision
    // loses little when they are combined below.
    const cx = (lo + hi) / 2;
    this.spread(grid, y, n, origin, width, boxes, cx);
    grid.convolve(nodes);
    this.gather(grid, n);

    const pot = this.potentials;
    const self = this.selfPotentials(n, spacing);
    let z = 0;
    for (let i = 0; i < n; i++) {
      const y0 = y[2 * i] - cx;
      const y1 = y[2 * i + 1] - cx;
      // What the point's own charge contributes through the grid: removed exactly, so there is
      // no spurious self-force and Z needs no correction.
      const s = self[i];
      const p0 = pot[4 * i] - s;
      const p1 = pot[4 * i + 1] - s * y0;
      const p2 = pot[4 * i + 2] - s * y1;
      const p3 = pot[4 * i + 3] - s * (y0 * y0 + y1 * y1);
      z += (1 + y0 * y0 + y1 * y1) * p0 - 2 * (y0 * p1 + y1 * p2) + p3;
      out[2 * i] = y0 * p0 - p1;
      out[2 * i + 1] = y1 * p0 - p2;
    }
    return z;
  }

  /**
   * For each point, the potential its own unit charge produces at itself through spreading,
   * the grid kernel and interpolation: Σ_ab W_a W_b K(node_a − node_b) over its box's nodes.
   * The offsets between nodes of one box are few, so the kernel comes from a small table.
   */
  private selfPotentials(n: number, spacing: number): Float64Array {
    const pb = this.perBox;
    const span = 2 * pb - 1;
    const table = new Float64Array(span * span);
    for (let du = -(pb - 1); du < pb; du++) {
      for (let dv = -(pb - 1); dv < pb; dv++) {
        const w = 1 / (1 + (du * du + dv * dv) * spacing * spacing);
        table[(du + pb - 1) * span + dv + pb - 1] = w * w;
      }
    }
    const wts = this.weights;
    const out = this.self.length >= n ? this.self : (this.self = new Float64Array(n));
    // The sum depends on the node offsets only: with u[du] = Σ_{p−p'=du} W_p W_p' per axis it is
    // Σ_du Σ_dv u[du] v[dv] K(du, dv), (2·pb − 1)² terms instead of pb⁴.
    const u = new Float64Array(span);
    const v = new Float64Array(span);
    for (let i = 0; i < n; i++) {
      const base = 2 * pb * i;
      u.fill(0);
      v.fill(0);
      for (let p = 0; p < pb; p++) {
        for (let p2 = 0; p2 < pb; p2++) {
          u[p - p2 + pb - 1] += wts[base + p] * wts[base + p2];
          v[p - p2 + pb - 1] += wts[base + pb + p] * wts[base + pb + p2];
        }
      }
      let sum = 0;
      for (let du = 0; du < span; du++) {
        let row = 0;
        for (let dv = 0; dv < span; dv++) row += v[dv] * table[du * span + dv];
        sum += u[du] * row;
      }
      out[i] = sum;
    }
    return out;
  }

  private gridOfSize(size: number): GridConvolution | ParallelGridConvolution {
    if (this.grid instanceof ParallelGridConvolution) {
      this.grid.resize(size);
    } else if (this.grid?.size !== size) {
      this.grid?.dispose();
      this.grid = new GridConvolution(this.fft, size);
    }
    return this.grid;
  }

  private reserve(n: number): void {
    if (this.cells.length >= 2 * n) return;
    this.cells = new Int32Array(2 * n);
    this.weights = new Float64Array(2 * this.perBox * n);
    this.potentials = new Float64Array(4 * n);
  }

  /** Each point's box and Lagrange weights per axis, then its charges onto the box's nodes. */
  private spread(grid: GridConvolution | ParallelGridConvolution, y: Float64Array, n: number, origin: number, width: number, boxes: number, centre: number): void {
    const m = grid.size;
    const a = grid.a;
    const b = grid.b;
    a.fill(0);
    b.fill(0);
    const wts = this.weights;
    const cells = this.cells;
    const pb = this.perBox;
    const den = this.denominators;
    for (let i = 0; i < n; i++) {
      for (let dim = 0; dim < 2; dim++) {
        const u = (y[2 * i + dim] - origin) / width;
        const box = Math.min(boxes - 1, Math.max(0, Math.floor(u)));
        // Position within the box in node units; node j sits at j + 0.5.
        const s = (u - box) * pb;
        for (let j = 0; j < pb; j++) {
          let w = 1;
          for (let k = 0; k < pb; k++) if (k !== j) w *= s - k - 0.5;
          wts[2 * pb * i + pb * dim + j] = w / den[j];
        }
        cells[2 * i + dim] = box * pb;
      }
      const c0 = y[2 * i] - centre;
      const c1 = y[2 * i + 1] - centre;
      const c3 = c0 * c0 + c1 * c1;
      const row0 = cells[2 * i];
      const col0 = cells[2 * i + 1];
      for (let p = 0; p < pb; p++) {
        const wp = wts[2 * pb * i + p];
        for (let q = 0; q < pb; q++) {
          const w = wp * wts[2 * pb * i + pb + q];
          const at = 2 * ((row0 + p) * m + col0 + q);
          a[at] += w;
          a[at + 1] += w * c0;
          b[at] += w * c1;
          b[at + 1] += w * c3;
        }
      }
    }
  }

  private gather(grid: GridConvolution | ParallelGridConvolution, n: number): void {
    const m = grid.size;
    const a = grid.a;
    const b = grid.b;
    const wts = this.weights;
    const cells = this.cells;
    const pot = this.potentials;
    const pb = this.perBox;
    for (let i = 0; i < n; i++) {
      let p0 = 0, p1 = 0, p2 = 0, p3 = 0;
      const row0 = cells[2 * i];
      const col0 = cells[2 * i + 1];
      for (let p = 0; p < pb; p++) {
        const wp = wts[2 * pb * i + p];
        for (let q = 0; q < pb; q++) {
          const weight = wp * wts[2 * pb * i + pb + q];
          const at = 2 * ((row0 + p) * m + col0 + q);
          p0 += weight * a[at];
          p1 += weight * a[at + 1];
          p2 += weight * b[at];
          p3 += weight * b[at + 1];
        }
      }
      pot[4 * i] = p0;
      pot[4 * i + 1] = p1;
      pot[4 * i + 2] = p2;
      pot[4 * i + 3] = p3;
    }
  }
}

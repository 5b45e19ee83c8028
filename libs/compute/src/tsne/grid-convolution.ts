import type { PffftModule } from '@echogarden/pffft-wasm/simd';

const PFFFT_COMPLEX = 1;
const FORWARD = 0;
const BACKWARD = 1;

let loading: Promise<PffftModule> | undefined;

/** PFFFT (single precision, WebAssembly SIMD), loaded once per process. */
export function loadFft(): Promise<PffftModule> {
  loading ??= import('@echogarden/pffft-wasm/simd').then((m) => m.default());
  return loading;
}

/**
 * The FFT sizes PFFFT takes for complex data, 16 · 2^a 3^b 5^c, in order. Sizes between powers
 * of two matter here: a grid of 330 nodes needs a 660-point transform, and 720 costs half of
 * what 1024 does in two dimensions.
 */
export const FFT_SIZES: readonly number[] = (() => {
  const sizes: number[] = [];
  for (let a = 1; a <= 4096; a *= 2) for (let b = 1; b <= 4096; b *= 3) for (let c = 1; c <= 4096; c *= 5) if (a * b * c <= 512) sizes.push(16 * a * b * c);
  return sizes.sort((x, y) => x - y);
})();

export function fftSizeAtLeast(n: number): number {
  const size = FFT_SIZES.find((s) => s >= n);
  if (size === undefined) throw new RangeError(`no FFT size of at least ${n}`);
  return size;
}

/**
 * Linear convolution of one real m/2 × m/2 grid of charges with three real kernels at once,
 * by 2-D FFT of size m × m in WebAssembly memory: two odd kernels (x and y components of a
 * force) and one even kernel (a potential). Callers put the charges in the real parts of `a`
 * (interleaved re, im, row-major, stride m), call {@link convolve}, and read the top-left
 * corner back: `a` holds the x and y results as re and im, `b` the even kernel's in re.
 *
 * Convolving the force kernels directly, rather than expanding (y_i − y_j) into charges
 * y_j, avoids subtracting large potentials from each other, which single precision could not
 * afford.
 */
export class GridConvolution {
  readonly a: Float32Array;
  readonly b: Float32Array;
  /** The transposed spectra: the charges' (then the odd results'), and the even results'. */
  private readonly t: Float32Array;
  private readonly u: Float32Array;
  /** Transform of kx + i·ky (both real kernels, so the two results come back apart), transposed. */
  private readonly oddHat: Float32Array;
  /** Transform of the even kernel (real), transposed. */
  private readonly evenHat: Float32Array;
  private readonly pointers: { a: number; b: number; t: number; u: number; work: number };
  private readonly setup: number;
  private kernelKey = '';

  constructor(
    private readonly fft: PffftModule,
    readonly size: number,
  ) {
    const m = size;
    this.setup = fft._pffft_new_setup(m, PFFFT_COMPLEX);
    if (this.setup === 0) throw new RangeError(`PFFFT cannot transform ${m} points`);
    const bytes = 2 * m * m * 4;
    this.pointers = {
      a: fft._pffft_aligned_malloc(bytes),
      b: fft._pffft_aligned_malloc(bytes),
      t: fft._pffft_aligned_malloc(bytes),
      u: fft._pffft_aligned_malloc(bytes),
      work: fft._pffft_aligned_malloc(2 * m * 4),
    };
    // Views last: an allocation may grow (and so replace) the module's memory.
    const heap = fft.HEAPF32;
    this.a = new Float32Array(heap.buffer, this.pointers.a, 2 * m * m);
    this.b = new Float32Array(heap.buffer, this.pointers.b, 2 * m * m);
    this.t = new Float32Array(heap.buffer, this.pointers.t, 2 * m * m);
    this.u = new Float32Array(heap.buffer, this.pointers.u, 2 * m * m);
    this.oddHat = new Float32Array(2 * m * m);
    this.evenHat = new Float32Array(m * m);
  }

  /**
   * Sets the kernels from their values at node offsets (u, v) in −(nodes−1) … nodes−1, written
   * by `at` into [kx, ky, even]; recomputed only when `key` changes.
   */
  setKernels(key: string, nodes: number, at: (u: number, v: number, out: Float64Array) => void): void {
    if (key === this.kernelKey) return;
    this.kernelKey = key;
    const m = this.size;
    const { a, b, t } = this;
    a.fill(0);
    b.fill(0);
    const value = new Float64Array(3);
    for (let u = -(nodes - 1); u < nodes; u++) {
      const ru = (u + m) % m;
      for (let v = -(nodes - 1); v < nodes; v++) {
        const rv = (v + m) % m;
        at(u, v, value);
        const at2 = 2 * (ru * m + rv);
        a[at2] = value[0];
        a[at2 + 1] = value[1];
        b[at2] = value[2];
      }
    }
    // The inverse transform's 1/m² goes in here, once.
    const scale = 1 / (m * m);
    this.forward(this.pointers.a, a, m);
    for (let k = 0; k < 2 * m * m; k++) this.oddHat[k] = t[k] * scale;
    this.forward(this.pointers.b, b, m);
    for (let k = 0; k < m * m; k++) this.evenHat[k] = t[2 * k] * scale;
  }

  /** Convolves the charges in `a` (first `nodes` rows and columns) with the three kernels. */
  convolve(nodes: number): void {
    const m = this.size;
    const { a, b, t, u } = this;
    const odd = this.oddHat;
    const even = this.evenHat;
    this.forward(this.pointers.a, a, nodes);
    for (let k = 0; k < m * m; k++) {
      const re = t[2 * k];
      const im = t[2 * k + 1];
      const e = even[k];
      u[2 * k] = re * e;
      u[2 * k + 1] = im * e;
      const kr = odd[2 * k];
      const ki = odd[2 * k + 1];
      t[2 * k] = re * kr - im * ki;
      t[2 * k + 1] = re * ki + im * kr;
    }
    this.inverse(this.pointers.t, t, this.pointers.a, a, nodes);
    this.inverse(this.pointers.u, u, this.pointers.b, b, nodes);
  }

  /**
   * Convolves both `a` and `b` (complex, first `nodes` rows and columns) with the even kernel
   * alone, in place: four real charge grids at once, as re and im of the two.
   */
  convolveEven(nodes: number): void {
    const m = this.size;
    const { t } = this;
    const even = this.evenHat;
    for (const [pointer, grid] of [[this.pointers.a, this.a], [this.pointers.b, this.b]] as const) {
      this.forward(pointer, grid, nodes);
      for (let k = 0; k < m * m; k++) {
        t[2 * k] *= even[k];
        t[2 * k + 1] *= even[k];
      }
      this.inverse(this.pointers.t, t, pointer, grid, nodes);
    }
  }

  /** Frees the WebAssembly memory; the object is unusable afterwards. */
  dispose(): void {
    for (const p of Object.values(this.pointers)) this.fft._pffft_aligned_free(p);
    this.fft._pffft_destroy_setup(this.setup);
  }

  /**
   * 2-D forward transform of `grid` (only its first `rows` rows non-zero) into `t`, transposed:
   * rows, one transpose, rows again. Keeping the spectrum transposed saves transposing back;
   * the kernels' spectra are kept the same way.
   */
  private forward(pointer: number, grid: Float32Array, rows: number): void {
    const m = this.size;
    this.rows(pointer, rows, FORWARD);
    transpose(grid, this.t, m, rows, m);
    this.rows(this.pointers.t, m, FORWARD);
  }

  /** The inverse of {@link forward} from `spectrum` into `grid`, computing only its first `rows` rows. */
  private inverse(spectrumPointer: number, spectrum: Float32Array, pointer: number, grid: Float32Array, rows: number): void {
    const m = this.size;
    this.rows(spectrumPointer, m, BACKWARD);
    transpose(spectrum, grid, m, m, rows);
    this.rows(pointer, rows, BACKWARD);
  }

  private rows(pointer: number, count: number, direction: number): void {
    const rowBytes = 2 * this.size * 4;
    for (let r = 0; r < count; r++) {
      const row = pointer + r * rowBytes;
      this.fft._pffft_transform_ordered(this.setup, row, row, this.pointers.work, direction);
    }
  }
}

/** Tile edge of the transpose, in complex values: 16 × 16 × 8 bytes stays in the L1 cache. */
const TILE = 16;

/**
 * out[c][r] = from[r][c] for r < fromRows, c < outRows, both m × m complex, row-major;
 * out's columns from fromRows on are zeroed.
 */
function transpose(from: Float32Array, out: Float32Array, m: number, fromRows: number, outRows: number): void {
  for (let c0 = 0; c0 < outRows; c0 += TILE) {
    const c1 = Math.min(c0 + TILE, outRows);
    for (let r0 = 0; r0 < fromRows; r0 += TILE) {
      const r1 = Math.min(r0 + TILE, fromRows);
      for (let c = c0; c < c1; c++) {
        let o = 2 * (c * m + r0);
        for (let r = r0; r < r1; r++, o += 2) {
          const f = 2 * (r * m + c);
          out[o] = from[f];
          out[o + 1] = from[f + 1];
        }
      }
    }
    if (fromRows < m) for (let c = c0; c < c1; c++) out.fill(0, 2 * (c * m + fromRows), 2 * (c + 1) * m);
  }
}

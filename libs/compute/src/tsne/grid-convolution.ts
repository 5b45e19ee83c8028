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
 * Linear convolution of two complex m/2 × m/2 grids with one real, even kernel, by 2-D FFT of
 * size m × m in WebAssembly memory. Callers fill `a` and `b` (interleaved re, im, row-major,
 * stride m) in the top-left corner, call {@link convolve}, and read the same corner back: four
 * real grids at once, as the real and imaginary parts of the two (the kernel's transform is
 * real, so they stay apart).
 */
export class GridConvolution {
  /** Views of a, b and t (the transposed spectrum being worked on) in the module's memory. */
  private views: { a: Float32Array; b: Float32Array; t: Float32Array };
  /** The kernel's transform (real, as the kernel is even), transposed, with the inverse's 1/m². */
  private readonly kernelHat: Float32Array;
  private readonly pointers: { a: number; b: number; t: number; work: number };
  private readonly setup: number;
  private kernelKey = '';
  /** Called every few rows transformed: lets a waiting thread tell a slow convolution from a stuck one. */
  onProgress?: () => void;

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
      work: fft._pffft_aligned_malloc(2 * m * 4),
    };
    // A failed allocation returns 0: views there would overwrite the module's own memory.
    if (Object.values(this.pointers).includes(0)) {
      this.dispose();
      throw new RangeError(`out of WebAssembly memory for a ${m} × ${m} grid`);
    }
    this.views = this.viewsOf(fft.HEAPF32.buffer);
    this.kernelHat = new Float32Array(m * m);
  }

  get a(): Float32Array {
    return this.current().a;
  }

  get b(): Float32Array {
    return this.current().b;
  }

  /** The transposed spectrum being worked on. */
  private get t(): Float32Array {
    return this.current().t;
  }

  /**
   * The views, made anew when the module's memory has grown: growing replaces (and detaches)
   * its buffer, and the module is shared by every convolution of the thread, so another one's
   * allocation would otherwise leave this one's grids empty. Nothing here allocates between
   * fetching a view and using it.
   */
  private current(): { a: Float32Array; b: Float32Array; t: Float32Array } {
    const heap = this.fft.HEAPF32.buffer;
    if (this.views.a.buffer !== heap) this.views = this.viewsOf(heap);
    return this.views;
  }

  private viewsOf(heap: ArrayBufferLike): { a: Float32Array; b: Float32Array; t: Float32Array } {
    const length = 2 * this.size * this.size;
    return {
      a: new Float32Array(heap, this.pointers.a, length),
      b: new Float32Array(heap, this.pointers.b, length),
      t: new Float32Array(heap, this.pointers.t, length),
    };
  }

  /**
   * Sets the kernel from its values at node offsets (u, v) in −(nodes−1) … nodes−1, given as a
   * function of u² + v²; recomputed only when `key` changes.
   */
  setKernel(key: string, nodes: number, atSquaredOffset: (r2: number) => number, _spacing?: number): void {
    if (key === this.kernelKey) return;
    this.kernelKey = key;
    const m = this.size;
    const a = this.a;
    a.fill(0);
    for (let u = -(nodes - 1); u < nodes; u++) {
      const ru = (u + m) % m;
      for (let v = -(nodes - 1); v < nodes; v++) a[2 * (ru * m + ((v + m) % m))] = atSquaredOffset(u * u + v * v);
    }
    this.forward(this.pointers.a, a, m);
    const scale = 1 / (m * m);
    for (let k = 0; k < m * m; k++) this.kernelHat[k] = this.t[2 * k] * scale;
  }

  /** Convolves `a` and `b` (complex, first `nodes` rows and columns) with the kernel, in place. */
  convolve(nodes: number): void {
    this.convolveOne('a', nodes);
    this.convolveOne('b', nodes);
  }

  /** Convolves one of the two grids. */
  convolveOne(which: 'a' | 'b', nodes: number): void {
    const m = this.size;
    const { t } = this;
    const kernel = this.kernelHat;
    const pointer = which === 'a' ? this.pointers.a : this.pointers.b;
    const grid = which === 'a' ? this.a : this.b;
    this.forward(pointer, grid, nodes);
    for (let k = 0; k < m * m; k++) {
      t[2 * k] *= kernel[k];
      t[2 * k + 1] *= kernel[k];
    }
    this.inverse(this.pointers.t, t, pointer, grid, nodes);
  }

  /** Frees the WebAssembly memory; the object is unusable afterwards. */
  dispose(): void {
    for (const p of Object.values(this.pointers)) if (p !== 0) this.fft._pffft_aligned_free(p);
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
      if ((r & PROGRESS_ROWS) === PROGRESS_ROWS) this.onProgress?.();
    }
  }
}

/** onProgress every 64 rows (a mask): often enough to show life, rarely enough to cost nothing. */
const PROGRESS_ROWS = 63;

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

/** The kernel FIt-SNE convolves with, w² = 1 / (1 + r²)², at a squared node offset for a node spacing. */
export function squaredCauchy(r2: number, spacing: number): number {
  const w = 1 / (1 + r2 * spacing * spacing);
  return w * w;
}

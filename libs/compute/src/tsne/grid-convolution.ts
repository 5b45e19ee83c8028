import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PffftModule } from '@echogarden/pffft-wasm/simd';
import { type GridKernels, type WasmMemory, wasmKernelsOn } from '../wasm/wasm-kernels';

const PFFFT_COMPLEX = 1;
const FORWARD = 0;
const BACKWARD = 1;

interface WasmInstantiate {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }>;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmInstantiate }).WebAssembly;

/** The linear memories of the PFFFT instances loaded on this thread (one, in practice). */
const memories: WasmMemory[] = [];
let loading: Promise<PffftModule> | undefined;

/**
 * PFFFT (single precision, WebAssembly SIMD), loaded once per thread. It is
 * instantiated here rather than by its Emscripten glue, which keeps its memory to itself: the
 * grid kernels need that memory to work on PFFFT's buffers in place.
 */
export function loadFft(): Promise<PffftModule> {
  loading ??= import('@echogarden/pffft-wasm/simd').then(async (m) => {
    let memory: WasmMemory | undefined;
    const bytes = readFileSync(join(dirname(require.resolve('@echogarden/pffft-wasm/simd')), 'pffft.wasm'));
    // The glue waits for `receive` forever: a failed instantiation must end the wait itself.
    let fail: (error: unknown) => void = () => {};
    const failed = new Promise<never>((_, reject) => (fail = reject));
    const fft = await Promise.race([
      m.default({
        instantiateWasm(imports, receive) {
          WebAssemblyApi.instantiate(bytes, imports)
            .then(({ instance }) => {
              memory = Object.values(instance.exports).find((e): e is WasmMemory => e instanceof WebAssemblyApi.Memory);
              receive(instance);
            })
            .catch(fail);
          return {};
        },
      }),
      failed,
    ]);
    if (!memory) throw new Error('PFFFT exports no memory');
    memories.push(memory);
    return fft;
  });
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
 * The memory of a PFFFT from {@link loadFft}, found by its buffer rather than by the module
 * object, so a wrapped module (a proxy) finds it too.
 */
function memoryOf(fft: PffftModule): WasmMemory {
  const heap = fft.HEAPF32.buffer;
  const memory = memories.find((m) => m.buffer === heap);
  if (!memory) throw new Error('GridConvolution needs a PFFFT from loadFft()');
  return memory;
}

/** Complex values per column block: PFFFT's internal layout groups four (one SIMD vector of each part). */
const BLOCK = 4;

/**
 * Linear convolution of two complex m/2 × m/2 grids with one real, even kernel, by 2-D FFT of
 * size m × m in WebAssembly memory. Callers fill `a` and `b` (interleaved re, im, row-major,
 * stride m) in the top-left corner, call {@link convolve}, and read the same corner back: four
 * real grids at once, as the real and imaginary parts of the two (the kernel's transform is
 * real, so they stay apart).
 *
 * The row transforms are PFFFT's unordered ones: a forward row comes out as blocks of four
 * complex values in a fixed but permuted order, which the backward transform takes back. The
 * column pass runs on four columns at a time (one block, gathered into natural rows, zero
 * padded), multiplied by the kernel's spectrum computed the same way, so the permutation never
 * needs undoing, and the m × m spectrum is never stored: each block goes out of the grid and
 * back while it is in the cache.
 */
export class GridConvolution {
  /** Views of a and b in the module's memory. */
  private views: { a: Float32Array; b: Float32Array };
  private readonly kernels: GridKernels;
  /**
   * Pointers into PFFFT's memory: the grids, the kernel's spectrum (real, as the kernel is
   * even; one float per complex value, per block of columns, in the column pass's layout, with
   * the inverse's 1/m²), one block's gathered columns and PFFFT's work row.
   */
  private readonly pointers: { a: number; b: number; kernel: number; columns: number; work: number };
  private readonly setup: number;
  private kernelKey = '';
  /** Rows transformed, for {@link onProgress}. */
  private transformed = 0;
  /** Called every few rows transformed: lets a waiting thread tell a slow convolution from a stuck one. */
  onProgress?: () => void;

  constructor(
    private readonly fft: PffftModule,
    readonly size: number,
  ) {
    const m = size;
    this.kernels = wasmKernelsOn<GridKernels>('grid', memoryOf(fft));
    this.setup = fft._pffft_new_setup(m, PFFFT_COMPLEX);
    if (this.setup === 0) throw new RangeError(`PFFFT cannot transform ${m} points`);
    const bytes = 2 * m * m * 4;
    this.pointers = {
      a: fft._pffft_aligned_malloc(bytes),
      b: fft._pffft_aligned_malloc(bytes),
      kernel: fft._pffft_aligned_malloc(m * m * 4),
      columns: fft._pffft_aligned_malloc(BLOCK * 2 * m * 4),
      work: fft._pffft_aligned_malloc(2 * m * 4),
    };
    // A failed allocation returns 0: the kernels would write over the module's own memory.
    if (Object.values(this.pointers).includes(0)) {
      this.dispose();
      throw new RangeError(`out of WebAssembly memory for a ${m} × ${m} grid`);
    }
    this.views = this.viewsOf(fft.HEAPF32.buffer);
  }

  get a(): Float32Array {
    return this.current().a;
  }

  get b(): Float32Array {
    return this.current().b;
  }

  /**
   * The views, made anew when the module's memory has grown: growing replaces (and detaches)
   * its buffer, and the module is shared by every convolution of the thread, so another one's
   * allocation would otherwise leave this one's grids empty. Nothing here allocates between
   * fetching a view and using it.
   */
  private current(): { a: Float32Array; b: Float32Array } {
    const heap = this.fft.HEAPF32.buffer;
    if (this.views.a.buffer !== heap) this.views = this.viewsOf(heap);
    return this.views;
  }

  private viewsOf(heap: ArrayBufferLike): { a: Float32Array; b: Float32Array } {
    const length = 2 * this.size * this.size;
    return { a: new Float32Array(heap, this.pointers.a, length), b: new Float32Array(heap, this.pointers.b, length) };
  }

  /**
   * Sets the kernel from its values at node offsets (u, v) in −(nodes−1) … nodes−1, given as a
   * function of u² + v²; recomputed only when `key` changes. Uses `a` as scratch.
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
    const { a: grid, columns, kernel } = this.pointers;
    this.rows(grid, m, FORWARD);
    for (let block = 0; block < m / BLOCK; block++) {
      this.kernels.gatherBlock(grid, m, m, block, columns);
      this.rows(columns, BLOCK, FORWARD);
      this.kernels.splitRealParts(columns, m, BLOCK, 1 / (m * m), kernel + block * BLOCK * m * 4);
    }
  }

  /** Convolves `a` and `b` (complex, first `nodes` rows and columns) with the kernel, in place. */
  convolve(nodes: number): void {
    this.convolveOne('a', nodes);
    this.convolveOne('b', nodes);
  }

  /**
   * Convolves one of the two grids: its first `nodes` rows forward; each block of columns
   * gathered, forward, times the kernel, backward and scattered back (first `nodes` entries);
   * the first `nodes` rows backward.
   */
  convolveOne(which: 'a' | 'b', nodes: number): void {
    const m = this.size;
    const { columns, kernel } = this.pointers;
    const grid = which === 'a' ? this.pointers.a : this.pointers.b;
    const k = this.kernels;
    this.rows(grid, nodes, FORWARD);
    for (let block = 0; block < m / BLOCK; block++) {
      k.gatherBlock(grid, m, nodes, block, columns);
      this.rows(columns, BLOCK, FORWARD);
      k.scaleSplitRows(columns, m, BLOCK, kernel + block * BLOCK * m * 4);
      this.rows(columns, BLOCK, BACKWARD);
      k.scatterBlock(columns, m, nodes, block, grid);
    }
    this.rows(grid, nodes, BACKWARD);
  }

  /** Frees the WebAssembly memory; the object is unusable afterwards. */
  dispose(): void {
    for (const p of Object.values(this.pointers)) if (p !== 0) this.fft._pffft_aligned_free(p);
    this.fft._pffft_destroy_setup(this.setup);
  }

  /** Unordered transforms of `count` consecutive rows in place. */
  private rows(pointer: number, count: number, direction: number): void {
    const rowBytes = 2 * this.size * 4;
    for (let r = 0; r < count; r++) {
      const row = pointer + r * rowBytes;
      this.fft._pffft_transform(this.setup, row, row, this.pointers.work, direction);
      if ((++this.transformed & PROGRESS_ROWS) === 0) this.onProgress?.();
    }
  }
}

/** onProgress every 64 rows (a mask): often enough to show life, rarely enough to cost nothing. */
const PROGRESS_ROWS = 63;

/** The kernel FIt-SNE convolves with, w² = 1 / (1 + r²)², at a squared node offset for a node spacing. */
export function squaredCauchy(r2: number, spacing: number): number {
  const w = 1 / (1 + r2 * spacing * spacing);
  return w * w;
}

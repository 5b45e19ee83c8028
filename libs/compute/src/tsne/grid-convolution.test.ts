import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PffftModule } from '@echogarden/pffft-wasm/simd';
import { seededRandom } from '../random';
import { FFT_SIZES, fftSizeAtLeast, GridConvolution, loadFft, squaredCauchy } from './grid-convolution';

const SPACING = 0.4;
const kernel = (r2: number): number => squaredCauchy(r2, SPACING);

/** A grid of `size` with random complex values in its first `nodes` rows and columns. */
function randomGrid(size: number, nodes: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const grid = new Float32Array(2 * size * size);
  for (let r = 0; r < nodes; r++) for (let c = 0; c < 2 * nodes; c++) grid[2 * r * size + c] = random() - 0.3;
  return grid;
}

/** The first `nodes` rows and columns of the linear convolution with the kernel, summed directly in float64. */
function directConvolution(grid: Float32Array, size: number, nodes: number): Float64Array {
  const out = new Float64Array(2 * size * size);
  for (let r = 0; r < nodes; r++) {
    for (let c = 0; c < nodes; c++) {
      let re = 0;
      let im = 0;
      for (let r2 = 0; r2 < nodes; r2++) {
        for (let c2 = 0; c2 < nodes; c2++) {
          const w = kernel((r - r2) ** 2 + (c - c2) ** 2);
          re += w * grid[2 * (r2 * size + c2)];
          im += w * grid[2 * (r2 * size + c2) + 1];
        }
      }
      out[2 * (r * size + c)] = re;
      out[2 * (r * size + c) + 1] = im;
    }
  }
  return out;
}

/**
 * The convolution as it was computed before the grid kernels: PFFFT's ordered transforms of
 * every row and column of the m × m grid, the kernel's spectrum made the same way.
 */
function orderedFftConvolution(fft: PffftModule, grid: Float32Array, size: number, nodes: number): Float64Array {
  const setup = fft._pffft_new_setup(size, 1);
  const bytes = 2 * size * size * 4;
  const [data, spectrum, work] = [fft._pffft_aligned_malloc(bytes), fft._pffft_aligned_malloc(bytes), fft._pffft_aligned_malloc(2 * size * 4)];
  const view = (at: number) => new Float32Array(fft.HEAPF32.buffer, at, 2 * size * size);
  const transform2d = (at: number, direction: number) => {
    const heap = view(at);
    const column = new Float32Array(2 * size);
    for (let pass = 0; pass < 2; pass++) {
      for (let r = 0; r < size; r++) fft._pffft_transform_ordered(setup, at + 8 * r * size, at + 8 * r * size, work, direction);
      for (let r = 0; r < size; r++) {
        for (let c = r + 1; c < size; c++) {
          column.set(heap.subarray(2 * (r * size + c), 2 * (r * size + c) + 2));
          heap.copyWithin(2 * (r * size + c), 2 * (c * size + r), 2 * (c * size + r) + 2);
          heap.set(column.subarray(0, 2), 2 * (c * size + r));
        }
      }
    }
  };
  const k = view(spectrum);
  k.fill(0);
  for (let u = -(nodes - 1); u < nodes; u++) for (let v = -(nodes - 1); v < nodes; v++) k[2 * (((u + size) % size) * size + ((v + size) % size))] = kernel(u * u + v * v);
  transform2d(spectrum, 0);
  view(data).set(grid);
  transform2d(data, 0);
  const [d, s] = [view(data), view(spectrum)];
  for (let i = 0; i < size * size; i++) {
    d[2 * i] *= s[2 * i] / (size * size);
    d[2 * i + 1] *= s[2 * i] / (size * size);
  }
  transform2d(data, 1);
  const out = Float64Array.from(view(data));
  for (const p of [data, spectrum, work]) fft._pffft_aligned_free(p);
  fft._pffft_destroy_setup(setup);
  return out;
}

/** The largest difference over the first `nodes` rows and columns, relative to the largest value of `expected`. */
function relativeDifference(actual: ArrayLike<number>, expected: ArrayLike<number>, size: number, nodes: number): number {
  let diff = 0;
  let scale = 0;
  for (let r = 0; r < nodes; r++) {
    for (let c = 0; c < 2 * nodes; c++) {
      const i = 2 * r * size + c;
      diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
      scale = Math.max(scale, Math.abs(expected[i]));
    }
  }
  return diff / scale;
}

/** `grid` convolved by a GridConvolution of `size` as `which`, the other grid holding other charges. */
function convolved(fft: PffftModule, grid: Float32Array, size: number, nodes: number, which: 'a' | 'b'): Float32Array {
  const convolution = new GridConvolution(fft, size);
  try {
    convolution.setKernel('k', nodes, kernel);
    convolution[which].set(grid);
    convolution[which === 'a' ? 'b' : 'a'].set(randomGrid(size, nodes, 99));
    convolution.convolve(nodes);
    return convolution[which].slice();
  } finally {
    convolution.dispose();
  }
}

describe('grid convolution', () => {
  // Non-powers of two throughout, and nodes that are not multiples of the 4-column blocks.
  const cases = [
    { size: 16, nodes: 8 },
    { size: 48, nodes: 23 },
    { size: 80, nodes: 37 },
    { size: FFT_SIZES.find((s) => s > 100 && s % 3 === 0 && s % 5 === 0) ?? 0, nodes: 30 },
  ];

  for (const { size, nodes } of cases) {
    it(`equals the direct convolution of a random grid of ${nodes} nodes in a ${size}-point transform`, async () => {
      const fft = await loadFft();
      const grid = randomGrid(size, nodes, size);
      const expected = directConvolution(grid, size, nodes);
      for (const which of ['a', 'b'] as const) {
        const error = relativeDifference(convolved(fft, grid, size, nodes, which), expected, size, nodes);
        assert.ok(error < 2e-6, `${which}: relative error ${error}`);
      }
    });
  }

  for (const size of [64, 96, 160, 720]) {
    const nodes = size / 2 - 1;
    it(`equals the ordered-transform convolution to float32 rounding at ${size} points`, async () => {
      const fft = await loadFft();
      const grid = randomGrid(size, nodes, 7 * size);
      const error = relativeDifference(convolved(fft, grid, size, nodes, 'a'), orderedFftConvolution(fft, grid, size, nodes), size, nodes);
      assert.ok(error < 2e-6, `relative difference ${error}`);
    });
  }

  it('leaves the rows from `nodes` on as they were and recomputes the kernel only for a new key', async () => {
    const fft = await loadFft();
    const [size, nodes] = [48, 21];
    const convolution = new GridConvolution(fft, size);
    try {
      convolution.setKernel('k', nodes, kernel);
      const grid = randomGrid(size, nodes, 5);
      for (let i = 2 * nodes * size; i < grid.length; i++) grid[i] = i;
      convolution.a.set(grid);
      convolution.setKernel('k', nodes, () => assert.fail('the same key again'));
      convolution.convolveOne('a', nodes);
      assert.deepEqual(convolution.a.subarray(2 * nodes * size), grid.subarray(2 * nodes * size));
      assert.ok(relativeDifference(convolution.a, directConvolution(grid, size, nodes), size, nodes) < 2e-6);
    } finally {
      convolution.dispose();
    }
  });

  it('reports progress while it transforms rows', async () => {
    const convolution = new GridConvolution(await loadFft(), 64);
    let beats = 0;
    convolution.onProgress = () => beats++;
    try {
      convolution.setKernel('k', 32, kernel);
      convolution.convolveOne('a', 32);
      // 2 · 64 rows for the kernel, 3 · 64 for the convolution: one beat per 64.
      assert.equal(beats, 5);
    } finally {
      convolution.dispose();
    }
  });

  it('refuses a PFFFT that was not loaded by loadFft', async () => {
    const fft = await loadFft();
    const other = { ...fft, HEAPF32: new Float32Array(16) } as PffftModule;
    assert.throws(() => new GridConvolution(other, 16), /needs a PFFFT from loadFft/);
  });

  it('keeps its grids usable when another convolution grows the shared module memory', async () => {
    const fft = await loadFft();
    const kept = new GridConvolution(fft, 64);
    // One grid larger than the whole memory now: the module must grow, replacing its buffer.
    const larger = new GridConvolution(fft, fftSizeAtLeast(Math.ceil(Math.sqrt(fft.HEAPF32.byteLength / 8)) + 1));
    const reference = new GridConvolution(fft, 64);
    try {
      assert.equal(kept.a.length, 2 * 64 * 64);
      for (const grid of [kept, reference]) {
        grid.setKernel('k', 32, (r2) => squaredCauchy(r2, 0.5));
        grid.a.fill(0);
        grid.b.fill(0);
        for (let k = 0; k < 64; k++) grid.a[2 * 64 * (k % 32) + k] = 1 + k;
        grid.convolve(32);
      }
      assert.deepEqual(Array.from(kept.a), Array.from(reference.a));
      assert.ok(kept.a.some((v) => v !== 0));
    } finally {
      kept.dispose();
      larger.dispose();
      reference.dispose();
    }
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fftSizeAtLeast, GridConvolution, loadFft, squaredCauchy } from './grid-convolution';

describe('grid convolution', () => {
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

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type DotKernels, wasmKernels } from './wasm-kernels';

describe('the WebAssembly SIMD kernels', () => {
  it('compute float32 dot products of row blocks as a plain loop does', () => {
    const { exports, reserve, memory } = wasmKernels<DotKernels>('dots');
    const [na, nb, d] = [8, 6, 12];
    const at = reserve(4 * (na * d + nb * d + na * nb));
    const a = new Float32Array(memory.buffer, at, na * d);
    const b = new Float32Array(memory.buffer, at + 4 * na * d, nb * d);
    for (let i = 0; i < a.length; i++) a[i] = Math.sin(i);
    for (let i = 0; i < b.length; i++) b[i] = Math.cos(3 * i);
    const outAt = at + 4 * (na + nb) * d;
    exports.dotsF32(at, na, at + 4 * na * d, nb, d, outAt);
    const out = new Float32Array(memory.buffer, outAt, na * nb);
    for (let i = 0; i < na; i++) {
      for (let j = 0; j < nb; j++) {
        let s = 0;
        for (let t = 0; t < d; t++) s += a[i * d + t] * b[j * d + t];
        assert.ok(Math.abs(out[i * nb + j] - s) < 1e-5, `a${i}·b${j}`);
      }
    }
  });

  it('grows its memory for a larger block and keeps one instance per thread', () => {
    const first = wasmKernels<DotKernels>('dots');
    const before = first.memory.buffer.byteLength;
    first.reserve(before + 1_000_000);
    assert.ok(first.memory.buffer.byteLength >= before + 1_000_000);
    assert.equal(wasmKernels<DotKernels>('dots'), first);
  });
});

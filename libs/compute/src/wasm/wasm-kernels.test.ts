import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type GridKernels, reserveRegions, type WasmMemory, wasmKernels, wasmKernelsOn } from './wasm-kernels';

/** The parts of the WebAssembly API used here (the project's type libraries omit the DOM's). */
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: (new (bytes: Uint8Array) => object) & { imports(module: object): { module: string; name: string; kind: string }[] };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The ids of a WebAssembly binary's sections, in order (each an id byte, then its LEB128 size). */
function sectionIds(bytes: Uint8Array): number[] {
  const ids: number[] = [];
  for (let at = 8; at < bytes.length; ) {
    ids.push(bytes[at++]);
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[at++];
      size |= (byte & 0x7f) << shift;
      if (byte < 0x80) break;
    }
    at += size;
  }
  return ids;
}

describe('the WebAssembly SIMD kernels', () => {
  it('grows its memory for a larger block and keeps one instance per thread', () => {
    const first = wasmKernels('neighbours');
    const before = first.memory.buffer.byteLength;
    first.reserve(before + 1_000_000);
    assert.ok(first.memory.buffer.byteLength >= before + 1_000_000);
    assert.equal(wasmKernels('neighbours'), first);
  });

  it('lays regions out one after another, each 16-byte aligned, in memory grown to hold them', () => {
    const kernels = wasmKernels('neighbours');
    const [a, b, c] = reserveRegions(kernels, [4, 17, 2_000_000]);
    assert.deepEqual([a % 16, b - a, c - b], [0, 16, 32]);
    assert.ok(kernels.memory.buffer.byteLength >= c + 2_000_000);
  });

  it('keeps the grid module, which works on a memory it imports, free of data, globals and start code of its own', () => {
    const bytes = readFileSync(join(__dirname, 'grid.wasm'));
    // 6: globals, 8: start, 11: data, 12: data count.
    assert.deepEqual(sectionIds(bytes).filter((id) => [6, 8, 11, 12].includes(id)), []);
    assert.deepEqual(WebAssemblyApi.Module.imports(new WebAssemblyApi.Module(bytes)), [{ module: 'env', name: 'memory', kind: 'memory' }]);
  });

  it('instantiates an imported-memory module once per memory, working on that memory in place', () => {
    const memory = new WebAssemblyApi.Memory({ initial: 1 });
    const grid = wasmKernelsOn<GridKernels>('grid', memory);
    assert.equal(wasmKernelsOn<GridKernels>('grid', memory), grid);
    assert.notEqual(wasmKernelsOn<GridKernels>('grid', new WebAssemblyApi.Memory({ initial: 1 })), grid);
    // One split row of 4 complex values: real parts 1…4, imaginary parts 5…8, times 2, 3, 4, 5.
    const heap = new Float32Array(memory.buffer);
    heap.set([1, 2, 3, 4, 5, 6, 7, 8, 2, 3, 4, 5], 4);
    grid.scaleSplitRows(16, 4, 1, 48);
    assert.deepEqual(Array.from(heap.subarray(0, 16)), [0, 0, 0, 0, 2, 6, 12, 20, 10, 18, 28, 40, 2, 3, 4, 5]);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of the WebAssembly API used here (the project's type libraries omit the DOM's). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** A compiled kernel module with its own linear memory, for one thread. */
export interface WasmKernels<E> {
  /** The module's exported functions. */
  readonly exports: E;
  /**
   * At least `bytes` of the module's memory, starting at the returned address (16-byte
   * aligned), for the caller's blocks until its next call to `reserve`. Views made before a
   * call may be detached by it (memory grows): make them after.
   */
  reserve(bytes: number): number;
  /** The memory as it is now (its buffer changes when it grows). */
  readonly memory: WasmMemory;
}

const WASM_PAGE = 65_536;
/** Where callers' blocks start: the module's own data (none today) sits below. */
const BLOCKS_AT = WASM_PAGE;

const compiled = new Map<string, object>();
const instances = new Map<string, WasmKernels<unknown>>();

/**
 * The kernels of `dist/wasm/<name>.wasm`, instantiated once per thread (each worker thread has
 * its own module registry, so threads never share a memory). Compiling is synchronous: the
 * modules are a few kilobytes.
 */
export function wasmKernels<E>(name: string): WasmKernels<E> {
  const known = instances.get(name);
  if (known) return known as WasmKernels<E>;
  const instance = instantiate(name, {});
  const memory = instance.exports.memory as WasmMemory;
  const kernels: WasmKernels<E> = {
    exports: instance.exports as unknown as E,
    memory,
    reserve(bytes: number): number {
      const needed = BLOCKS_AT + bytes;
      if (memory.buffer.byteLength < needed) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / WASM_PAGE));
      return BLOCKS_AT;
    },
  };
  instances.set(name, kernels);
  return kernels;
}

/**
 * Consecutive regions of `sizes` bytes in the module's memory, each 16-byte aligned (a v128
 * load needs no more), grown to hold them all; returns their addresses. Views of them must be
 * made after this call, which may grow (and so replace) the memory's buffer.
 */
export function reserveRegions(kernels: WasmKernels<unknown>, sizes: readonly number[]): number[] {
  const at: number[] = [];
  let total = 0;
  for (const size of sizes) {
    at.push(total);
    total += Math.ceil(size / 16) * 16;
  }
  const base = kernels.reserve(total);
  return at.map((offset) => base + offset);
}

const onMemory = new WeakMap<WasmMemory, Map<string, Record<string, unknown>>>();

/**
 * The exports of `dist/wasm/<name>.wasm`, a module built with `--importMemory`, instantiated on
 * another module's `memory` (once per memory): its kernels then work on that module's buffers
 * in place, with no copies.
 */
export function wasmKernelsOn<E>(name: string, memory: WasmMemory): E {
  let byName = onMemory.get(memory);
  if (!byName) onMemory.set(memory, (byName = new Map()));
  let exports = byName.get(name);
  if (!exports) byName.set(name, (exports = instantiate(name, { memory }).exports));
  return exports as unknown as E;
}

function instantiate(name: string, env: Record<string, unknown>): { exports: Record<string, unknown> } {
  let module = compiled.get(name);
  if (!module) {
    module = new WebAssemblyApi.Module(readFileSync(join(__dirname, `${name}.wasm`)));
    compiled.set(name, module);
  }
  return new WebAssemblyApi.Instance(module, {
    env: {
      abort: (_message: number, _file: number, line: number, column: number) => {
        throw new Error(`the ${name} kernel failed at ${line}:${column}`);
      },
      ...env,
    },
  });
}

/** The `grid` module (assembly/grid.ts), on PFFFT's memory. */
export interface GridKernels {
  gatherBlock(grid: number, m: number, count: number, block: number, out: number): void;
  scatterBlock(rows: number, m: number, count: number, block: number, grid: number): void;
  scaleSplitRows(rows: number, m: number, count: number, factors: number): void;
  splitRealParts(rows: number, m: number, count: number, scale: number, out: number): void;
}

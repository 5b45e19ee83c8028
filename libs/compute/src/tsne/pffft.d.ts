declare module '@echogarden/pffft-wasm/simd' {
  /** The Emscripten module of PFFFT built with WebAssembly SIMD. */
  export interface PffftModule {
    HEAPF32: Float32Array;
    _pffft_new_setup(n: number, transform: number): number;
    _pffft_destroy_setup(setup: number): void;
    /** Unordered: the forward output (and backward input) in PFFFT's internal layout. */
    _pffft_transform(setup: number, input: number, output: number, work: number, direction: number): void;
    _pffft_transform_ordered(setup: number, input: number, output: number, work: number, direction: number): void;
    _pffft_aligned_malloc(bytes: number): number;
    _pffft_aligned_free(pointer: number): void;
  }
  /** Emscripten's module options; `instantiateWasm` replaces its own instantiation of pffft.wasm. */
  export interface PffftOptions {
    instantiateWasm?(imports: Record<string, Record<string, unknown>>, receive: (instance: { exports: Record<string, unknown> }) => void): object;
  }
  const factory: (options?: PffftOptions) => Promise<PffftModule>;
  export default factory;
}

import { availableParallelism } from 'node:os';
import { type BackendName } from '../backend';
import { type BenchmarkEngine, type EngineSpec } from './benchmark-engine';
import { openInProcessEngine } from './in-process-engine';
import { openThreadEngine } from './thread-engine';

/** Opens the engine of one benchmark row; a seam, so a test can make a row fail as a backend would. */
export type EngineOpener = (backend: BackendName, spec: EngineSpec, wasmThreads: number) => Promise<BenchmarkEngine>;

/**
 * A row's engine: wasm on more than one thread runs in worker threads (`wasmThreads`, 0: one per
 * core), every other backend in this thread, where the node backends use all cores themselves
 * and cpu has no threads to give.
 */
export const openBenchmarkEngine: EngineOpener = (backend, spec, wasmThreads) => {
  const threads = wasmThreads === 0 ? availableParallelism() : wasmThreads;
  return backend === 'wasm' && threads > 1 ? openThreadEngine(backend, spec, threads) : openInProcessEngine(backend, spec);
};

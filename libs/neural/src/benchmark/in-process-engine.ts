import { type BackendName, initBackend } from '../backend';
import { type BenchmarkEngine, type EngineSpec } from './benchmark-engine';
import { buildBenchmarkModel } from './benchmark-models';
import { forwardPass } from './forward-pass';
import { measureMatMulRate } from './matmul-rate';
import { flopsPerImage } from './model-flops';

/**
 * A benchmark engine in this thread: makes `backend` this process's backend and builds the
 * model on it. Every backend can run here; the node backends use their own thread pools.
 */
export async function openInProcessEngine(backend: BackendName, spec: EngineSpec): Promise<BenchmarkEngine> {
  let started = performance.now();
  const info = await initBackend(backend);
  const backendInit = performance.now() - started;
  started = performance.now();
  const model = buildBenchmarkModel(spec.model, spec.inputSize, spec.seed);
  const modelBuild = performance.now() - started;
  let closed = false;
  return {
    backend: info,
    threads: 1,
    setupMs: { backendInit, modelBuild },
    flopsPerImage: flopsPerImage(model),
    matMulRate: async () => measureMatMulRate(),
    forward: async (count) => forwardPass(model, spec.pool, count, spec.inputSize),
    close: async () => {
      if (!closed) model.dispose();
      closed = true;
    },
  };
}

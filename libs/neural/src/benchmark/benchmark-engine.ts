import { type BackendInfo } from '../backend';
import { type BenchmarkModel } from './benchmark-params';
import { type MatMulRate } from './matmul-rate';

/** Time an engine spent getting ready, in ms: starting its backend, building its model. */
export interface EngineSetupMs {
  backendInit: number;
  modelBuild: number;
}

/**
 * Where one benchmark row's forward passes run: this thread, or worker threads that each hold
 * a backend and a copy of the model and share every batch. The row runner times only
 * {@link BenchmarkEngine.forward}; the rest is overhead.
 */
export interface BenchmarkEngine {
  /** The backend the passes run on (each thread's, alike). */
  readonly backend: BackendInfo;
  /** Threads that share each batch: 1 in this thread. */
  readonly threads: number;
  readonly setupMs: EngineSetupMs;
  /** FLOPs of one image's forward pass, counted from the model's layers. */
  readonly flopsPerImage: number;
  /** The backend's square-matMul rate, all threads at once (their rates summed): the row's peak. */
  matMulRate(): Promise<MatMulRate>;
  /** Runs `count` images through the model and reads the features back; their shape. */
  forward(count: number): Promise<number[]>;
  /** Frees the model and stops any threads; safe to call twice. */
  close(): Promise<void>;
}

/** What an engine needs to build its model and images, as the job's parameters give them. */
export interface EngineSpec {
  model: BenchmarkModel;
  inputSize: number;
  seed: number;
  /** The synthetic images of one batch, reused by every batch. */
  pool: Float32Array;
}

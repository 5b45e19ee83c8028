import { ComputeError } from '@gpulab/compute';

/**
 * A TensorFlow.js backend was asked for by name (GPULAB_BACKEND) but cannot run here. Not worth
 * a retry on the same worker: the packages on the machine do not change between attempts.
 */
export class BackendUnavailableError extends ComputeError {
  declare readonly code: 'BACKEND_UNAVAILABLE';
  constructor(
    readonly backend: string,
    /** The backends that do run here, best first. */
    readonly installed: readonly string[],
    message: string,
    options?: { cause?: unknown },
  ) {
    super('BACKEND_UNAVAILABLE', message, options);
  }
}

/** No backend of a benchmark ran: each row failed, and the message says why, row by row. */
export class BenchmarkFailedError extends ComputeError {
  declare readonly code: 'BENCHMARK_FAILED';
  constructor(reasons: string) {
    super('BENCHMARK_FAILED', `no backend of the benchmark ran: ${reasons}`);
  }
}

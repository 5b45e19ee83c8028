import { type JobKind } from '@gpulab/compute';
import { type BackendInfo } from './backend';

/**
 * A job kind that computes with TensorFlow.js. The worker calls `initBackend` with its
 * GPULAB_BACKEND before it reports the start, so the `started` event names the backend that
 * runs the job, and a backend that was asked for but is missing fails the job at once.
 */
export interface NeuralJobKind<P = unknown> extends JobKind<P> {
  initBackend(preferred: string | undefined): Promise<BackendInfo>;
}

import { type GpuAddress, type JobRecord } from '@gpulab/contracts';

export interface WorkerExit {
  jobId: string;
  attempt: number;
  code: number | null;
  signal: string | null;
}

/** Starts and stops the worker of one job attempt: a process here, a Kubernetes Job in a cluster. */
export interface Launcher {
  /** Starts the worker; resolves with a handle the launcher can find it by after a restart. */
  launch(job: JobRecord, gpus: readonly GpuAddress[]): Promise<{ handle: string }>;
  /** Follows a worker started by an earlier scheduler process; false when it is gone. */
  adopt(job: JobRecord, handle: string): boolean;
  /** Asks the worker to stop, kills it after `graceMs`. */
  stop(jobId: string, graceMs: number): void;
  onExit(listener: (exit: WorkerExit) => void): void;
  close(): Promise<void>;
}

export const LAUNCHER = Symbol('Launcher');

import { type GpuAddress, type JobRecord } from '@gpulab/contracts';

/**
 * Why a worker ended, where the launcher knows it (a pod killed for its memory, an image that
 * cannot be pulled) and whether trying again may help: decided where it is seen, as a worker's
 * own `failed` report decides it.
 */
export interface WorkerFailure {
  /** The launcher's reason code (`OOM_KILLED`, `NODE_LOST`, …). */
  code: string;
  /** A sentence for the student. */
  reason: string;
  retryable: boolean;
}

export interface WorkerExit {
  jobId: string;
  attempt: number;
  code: number | null;
  signal: string | null;
  /** Absent: the launcher saw only the exit, and the scheduler treats it as a lost worker. */
  failure?: WorkerFailure;
}

/** What the scheduler knows of a placement besides the job and GPUs. */
export interface LaunchContext {
  /** Epoch ms when the slot the job runs in ends; absent outside a slot. */
  slotEndMs?: number;
}

/** Starts and stops the worker of one job attempt: a process here, a Kubernetes Job in a cluster. */
export interface Launcher {
  /**
   * Whether a `run` job's command runs in the team's own image (`params.image`): then every run
   * job must name one (Kubernetes); otherwise none may, as the command is a process on the
   * server (the local launcher).
   */
  readonly teamImages?: boolean;
  /** Starts the worker; resolves with a handle the launcher can find it by after a restart. */
  launch(job: JobRecord, gpus: readonly GpuAddress[], context?: LaunchContext): Promise<{ handle: string }>;
  /** Follows a worker started by an earlier scheduler process; false when it is gone. */
  adopt(job: JobRecord, handle: string): boolean;
  /**
   * Every worker of a start has been adopted: a launcher that can list what runs (Kubernetes)
   * compares it with what should, and ends the attempts whose worker is gone.
   */
  adopted?(): Promise<void>;
  /** Asks the worker to stop, kills it after `graceMs`. */
  stop(jobId: string, graceMs: number): void;
  onExit(listener: (exit: WorkerExit) => void): void;
  close(): Promise<void>;
}

export const LAUNCHER = Symbol('Launcher');

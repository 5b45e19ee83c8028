import { type GpuAddress } from './job-record';
import { type JobStateName } from './job-states';
import { type SchedulerChannel, type WorkerChannel } from './subjects';

/** One sample of what a running job's processes use, as a `run` job's worker takes it every few seconds. */
export interface ResourceSample {
  /** CPU time of the job's process tree over the last interval, in % of one core (200 = two cores busy). */
  cpuPercent: number;
  /** Resident memory of the job's process tree, in bytes. */
  rssBytes: number;
  /** Each of the job's GPUs, where `nvidia-smi` answers; absent where it does not exist. */
  gpus?: { index: number; utilizationPercent: number; memoryUsedBytes: number; memoryTotalBytes: number }[];
  /** ISO-8601: when it was taken (for a peak, the latest sample it covers). */
  at?: string;
}

/**
 * What a progress event may carry, bounded where it is made (the worker) and again where it is
 * shown (the gateway), since the command that reports it is the team's own code.
 */
export const PROGRESS_LIMITS = {
  /** Metrics kept per progress event. */
  maxMetrics: 32,
  /** Characters in a metric's name. */
  maxMetricName: 64,
  /** GPUs in one resource sample: more than any server of the course has. */
  maxSampledGpus: 16,
} as const;

export type JobEventBody =
  | { type: 'state'; state: JobStateName; reason?: string; assignedGpus?: GpuAddress[] }
  /**
   * `metrics` are what a job reported with its progress (`loss`, `accuracy`); `resources` the
   * latest sample of its processes, `peak` the highest of each figure over the attempt so far.
   */
  | { type: 'progress'; fraction: number; message: string; metrics?: Record<string, number>; resources?: ResourceSample; peak?: ResourceSample }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'started'; backend: string; pid: number }
  /** `result` is inline when small; otherwise `resultRef` names the Object Store entry. */
  | { type: 'result'; backend: string; resultRef: string; result?: unknown }
  /**
   * `resultRef` names the record of the files a failed attempt kept (its outputs, what could not
   * be saved), stored where a result is, so that they download as a result's files do.
   */
  | { type: 'failed'; reason: string; retryable: boolean; resultRef?: string };

/** What travels on `gpulab.events.<jobId>.…` as JSON. */
export interface JobEventEnvelope {
  jobId: string;
  attempt: number;
  /** ISO-8601. */
  time: string;
  body: JobEventBody;
}

/** The channel of an event the scheduler publishes: its state changes and its notes. */
export function schedulerChannel(body: JobEventBody): SchedulerChannel {
  if (body.type === 'state' || body.type === 'log') return body.type;
  throw new Error(`the scheduler does not publish ${body.type} events`);
}

/** The channel of an event a worker publishes: anything but a state change. */
export function workerChannel(body: Exclude<JobEventBody, { type: 'state' }>): WorkerChannel {
  switch (body.type) {
    case 'progress':
    case 'log':
      return body.type;
    case 'started':
    case 'result':
    case 'failed':
      return `report.${body.type}`;
  }
}

/** Results up to this size ride inside the event; larger ones are read from the Object Store. */
export const INLINE_RESULT_LIMIT_BYTES = 256 * 1024;

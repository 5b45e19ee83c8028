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
}

export type JobEventBody =
  | { type: 'state'; state: JobStateName; reason?: string; assignedGpus?: GpuAddress[] }
  /** `metrics` are what a job reported with its progress (`loss`, `accuracy`); `resources` the latest sample of its processes. */
  | { type: 'progress'; fraction: number; message: string; metrics?: Record<string, number>; resources?: ResourceSample }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'started'; backend: string; pid: number }
  /** `result` is inline when small; otherwise `resultRef` names the Object Store entry. */
  | { type: 'result'; backend: string; resultRef: string; result?: unknown }
  | { type: 'failed'; reason: string; retryable: boolean };

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

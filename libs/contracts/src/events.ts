import { type GpuAddress } from './job-record';
import { type JobStateName } from './job-states';
import { type SchedulerChannel, type WorkerChannel } from './subjects';

export type JobEventBody =
  | { type: 'state'; state: JobStateName; reason?: string; assignedGpus?: GpuAddress[] }
  | { type: 'progress'; fraction: number; message: string }
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

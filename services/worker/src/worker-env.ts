import { readFileSync } from 'node:fs';
import { type GpuAddress, JOB_ID_PATTERN } from '@gpulab/contracts';

/** What the launcher tells a worker about its job. */
export interface WorkerEnv {
  natsUrl: string;
  /** This attempt's NATS credentials (`.creds` text): GPULAB_NATS_CREDS_TEXT, or the file GPULAB_NATS_CREDS. */
  natsCreds?: string;
  jobId: string;
  attempt: number;
  gpus: GpuAddress[];
  logLevel: string;
  heartbeatIntervalMs: number;
  /**
   * The TensorFlow.js backend neural-network jobs must use (GPULAB_BACKEND: tensorflow-gpu,
   * tensorflow, wasm, cpu); undefined lets the job take the best installed one.
   */
  backend?: string;
}

/** What a worker takes when the launcher leaves a setting out (it sets them all). */
export const WORKER_DEFAULTS = {
  natsUrl: 'nats://127.0.0.1:4222',
  logLevel: 'info',
  /** The scheduler's GPULAB_HEARTBEAT_INTERVAL reaches the worker as this, in ms. */
  heartbeatIntervalMs: 2000,
} as const;

/** A whole number of milliseconds from 10 ms to 10 minutes; the variable is named when it is not. */
function intervalMs(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const ms = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isInteger(ms) || ms < 10 || ms > 600_000) throw new Error(`${name}: "${raw}" is not a number of milliseconds from 10 to 600000`);
  return ms;
}

export function readWorkerEnv(env: NodeJS.ProcessEnv): WorkerEnv {
  const jobId = env.GPULAB_JOB_ID ?? '';
  if (!JOB_ID_PATTERN.test(jobId)) throw new Error(`GPULAB_JOB_ID: "${jobId}" is not a job id`);
  const attempt = Number(env.GPULAB_ATTEMPT);
  if (!Number.isInteger(attempt) || attempt < 1) throw new Error(`GPULAB_ATTEMPT: "${env.GPULAB_ATTEMPT}" is not an attempt number`);
  const gpus = (env.GPULAB_GPUS ?? '')
    .split(',')
    .filter(Boolean)
    .map((g) => {
      const [server, index] = g.split(':');
      if (!server || !/^\d+$/.test(index ?? '')) throw new Error(`GPULAB_GPUS: "${g}" is not server:index`);
      return { server, index: Number(index) };
    });
  return {
    natsUrl: env.GPULAB_NATS_URL ?? WORKER_DEFAULTS.natsUrl,
    natsCreds: env.GPULAB_NATS_CREDS_TEXT || (env.GPULAB_NATS_CREDS ? readFileSync(env.GPULAB_NATS_CREDS, 'utf8') : undefined),
    jobId,
    attempt,
    gpus,
    logLevel: env.GPULAB_LOG_LEVEL ?? WORKER_DEFAULTS.logLevel,
    heartbeatIntervalMs: intervalMs(env.GPULAB_HEARTBEAT_INTERVAL_MS, 'GPULAB_HEARTBEAT_INTERVAL_MS', WORKER_DEFAULTS.heartbeatIntervalMs),
    backend: env.GPULAB_BACKEND?.trim() || undefined,
  };
}

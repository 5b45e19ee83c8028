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
    natsUrl: env.GPULAB_NATS_URL ?? 'nats://127.0.0.1:4222',
    natsCreds: env.GPULAB_NATS_CREDS_TEXT || (env.GPULAB_NATS_CREDS ? readFileSync(env.GPULAB_NATS_CREDS, 'utf8') : undefined),
    jobId,
    attempt,
    gpus,
    logLevel: env.GPULAB_LOG_LEVEL ?? 'info',
    heartbeatIntervalMs: Number(env.GPULAB_HEARTBEAT_INTERVAL_MS) || 2000,
    backend: env.GPULAB_BACKEND?.trim() || undefined,
  };
}

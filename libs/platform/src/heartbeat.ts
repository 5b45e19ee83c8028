import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type NatsTls } from './nats-connection';

export interface HeartbeatOptions {
  natsUrl: string;
  /** The attempt's `.creds` text. */
  creds?: string;
  tls?: NatsTls;
  jobId: string;
  attempt: number;
  /** @default 2000 */
  intervalMs?: number;
  /** Called once the scheduler says this attempt is no longer current. */
  onNotCurrent?: () => void;
}

/** Starts beating for a job attempt from a separate thread; call the returned function to stop. */
export function startHeartbeat(options: HeartbeatOptions): () => Promise<void> {
  const thread = new Worker(join(__dirname, 'heartbeat-thread.js'), {
    workerData: { natsUrl: options.natsUrl, creds: options.creds, tls: options.tls, jobId: options.jobId, attempt: options.attempt, intervalMs: options.intervalMs ?? 2000 },
  });
  thread.unref();
  let told = false;
  thread.on('message', () => {
    if (told) return;
    told = true;
    options.onNotCurrent?.();
  });
  return async () => {
    const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
    thread.postMessage('stop');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 1000))]);
    await thread.terminate();
  };
}

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
  /** Told when the beating thread died and was started again. */
  onRestart?: (error: Error) => void;
}

/**
 * Starts beating for a job attempt from a separate thread; call the returned function to stop.
 * A thread that dies (an error nobody caught in it) is started again after a beat's interval:
 * without beats the scheduler would take a healthy attempt for lost, and an error event of a
 * worker thread with no listener would end the whole process.
 */
export function startHeartbeat(options: HeartbeatOptions): () => Promise<void> {
  const intervalMs = options.intervalMs ?? 2000;
  let stopped = false;
  let told = false;
  let thread: Worker;
  let restartTimer: NodeJS.Timeout | undefined;
  const spawn = (): void => {
    thread = new Worker(join(__dirname, 'heartbeat-thread.js'), {
      workerData: { natsUrl: options.natsUrl, creds: options.creds, tls: options.tls, jobId: options.jobId, attempt: options.attempt, intervalMs },
    });
    thread.unref();
    thread.on('message', () => {
      if (told) return;
      told = true;
      options.onNotCurrent?.();
    });
    thread.on('error', (error) => {
      if (stopped) return;
      options.onRestart?.(error);
      restartTimer = setTimeout(spawn, intervalMs);
      restartTimer.unref();
    });
  };
  spawn();
  return async () => {
    stopped = true;
    clearTimeout(restartTimer);
    const current = thread;
    const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    current.postMessage('stop');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 1000))]);
    await current.terminate();
  };
}

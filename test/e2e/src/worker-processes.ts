import { readdirSync, readFileSync } from 'node:fs';

/** Pids of the worker processes running a job, found by their environment (Linux /proc). */
export function workerPids(jobId: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (environ.split('\0').includes(`GPULAB_JOB_ID=${jobId}`)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

export async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Workers that report `started` and then run until they are stopped (the scheduler's test
 * worker), with short grace and beats: the test decides when GPUs free up.
 */
export const SLOW_WORKERS: NodeJS.ProcessEnv = {
  GPULAB_WORKER_ENTRY: require.resolve('@gpulab/scheduler/testing/slow-worker'),
  GPULAB_STOP_GRACE: '1s',
  GPULAB_HEARTBEAT_INTERVAL: '200ms',
};

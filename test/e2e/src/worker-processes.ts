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

/** Whether any process of the group `pgid` is alive (zombies aside), read from /proc. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') return true;
    } catch {
      // gone
    }
  }
  return false;
}

/** The worker that started the command leading `pgid`: its parent. */
export function workerOf(pgid: number): number {
  const stat = readFileSync(`/proc/${pgid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

import { JobStates } from '@gpulab/contracts';

export interface LeasedJob {
  id: string;
  state: string;
  attempt: number;
  /** When the current attempt started running (ms). */
  startedAtMs?: number;
}

/** The last beat seen of a job attempt. */
export interface LastBeat {
  attempt: number;
  atMs: number;
}

/**
 * Running jobs whose worker has not been heard from for `timeoutMs`. The clock starts at the
 * latest of: the last beat of the current attempt, the attempt's start, and `sinceMs` (when this
 * scheduler began watching, so a restart does not condemn workers it has not heard yet).
 */
export function expiredLeases(jobs: readonly LeasedJob[], beats: ReadonlyMap<string, LastBeat>, nowMs: number, timeoutMs: number, sinceMs: number): string[] {
  const expired: string[] = [];
  for (const job of jobs) {
    if (job.state !== JobStates.running) continue;
    const beat = beats.get(job.id);
    const heard = Math.max(beat && beat.attempt === job.attempt ? beat.atMs : 0, job.startedAtMs ?? 0, sinceMs);
    if (nowMs - heard > timeoutMs) expired.push(job.id);
  }
  return expired;
}

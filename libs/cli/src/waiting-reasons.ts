import { type JobView } from '@gpulab/sdk';

/** How often a watched job that waits is asked why: its reason changes with the calendar, not in the event stream. */
export const WAITING_POLL_MS = 2000;

/**
 * Tells `say` why a job waits, once when it starts waiting and again whenever the reason
 * changes, until `stop` is called. Reads the job with `get` while it is QUEUED.
 */
/** `CODE: sentence` from a server that sends the waiting as data; the sentence alone from an older one. */
function waitingLine(job: JobView): string | undefined {
  if (job.waiting) return `${job.waiting.code}: ${job.waiting.message}`;
  return job.waitingReason;
}

export function followWaitingReasons(get: () => Promise<JobView>, say: (line: string) => void, everyMs = WAITING_POLL_MS): { stop(): void } {
  let last: string | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const check = async () => {
    try {
      const job = await get();
      // The code and the sentence, not the queue position: a line each time a job ahead starts would drown the watch.
      const reason = job.state === 'QUEUED' ? waitingLine(job) : undefined;
      if (!stopped && reason && reason !== last) say(`waiting: ${reason}`);
      last = reason;
    } catch {
      // The watch itself reports a lost connection; a missed poll just waits for the next.
    }
    if (!stopped) timer = setTimeout(() => void check(), everyMs);
  };
  void check();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

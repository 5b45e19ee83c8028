/** An attempt the scheduler holds on GPUs, by the name of its Job. */
export interface LiveAttempt {
  jobId: string;
  attempt: number;
  /** `kubeJobName(jobId, attempt)`. */
  name: string;
  /** Its create is in flight or waiting out an API outage: no Job yet is no loss. */
  creating: boolean;
}

/** A Job found in the namespace by the launcher's label. */
export interface ListedJob {
  name: string;
  /** It has its `Complete` or `Failed` condition: left to `ttlSecondsAfterFinished`. */
  finished: boolean;
}

export interface Reconciliation {
  /** Unfinished Jobs of no live attempt (ended, superseded, left by a crash): deleted with their pods. */
  deletes: string[];
  /** Credential Secrets of no live attempt and no Job (the Job's TTL ran out, a create failed). */
  secretDeletes: string[];
  /** Live attempts whose Job is gone: requeued as lost workers. */
  missing: LiveAttempt[];
}

/**
 * Compares the attempts the scheduler holds on GPUs with the Jobs that exist. A finished Job of
 * no live attempt is kept for people to look at until its TTL; one still running would hold GPUs
 * the scheduler has given to others.
 */
export function reconcile(live: readonly LiveAttempt[], jobs: readonly ListedJob[], secrets: readonly string[] = []): Reconciliation {
  const liveNames = new Set(live.map((a) => a.name));
  const jobNames = new Set(jobs.map((j) => j.name));
  return {
    deletes: jobs.filter((j) => !j.finished && !liveNames.has(j.name)).map((j) => j.name),
    secretDeletes: secrets.filter((name) => !liveNames.has(name) && !jobNames.has(name)),
    missing: live.filter((a) => !a.creating && !jobNames.has(a.name)),
  };
}

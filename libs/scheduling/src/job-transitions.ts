import { type AttemptOutcome, AttemptOutcomes, type GpuAddress, type JobAttempt, type JobRecord, type JobStateName, JobStates } from '@gpulab/contracts';
import { assertTransition, holdsGpus, isTerminal } from './job-lifecycle';

/**
 * A job's life after submission as pure decisions: each `on…` function takes the job as stored
 * and what happened, and returns the state changes to apply, in order (none when the event no
 * longer concerns the job). The scheduler service only applies them, so the rules here are the
 * ones the property tests drive.
 */

/** How often a job may be tried, and how long a retried one waits. */
export interface RetryPolicy {
  maxAttempts: number;
  /** Wait before the second attempt; doubled for each further one. 0: no wait. */
  backoffMs: number;
  maxBackoffMs: number;
}

/** One state change a decision asks for. */
export interface Transition {
  to: JobStateName;
  changes: Partial<JobRecord>;
  /**
   * The worker must be told to stop: the job leaves its GPUs by something other than its worker's
   * own report or exit, so no path can leave a worker computing on GPUs handed back.
   */
  stopWorker: boolean;
}

export type Decision = Transition[];

/** What a worker reported about its attempt. */
export type WorkerReport =
  | { type: 'started'; attempt: number; time: string; backend?: string }
  | { type: 'result'; attempt: number; resultRef: string; backend?: string }
  /** `resultRef`: the record of the files the attempt kept, kept on the job when the failure ends it. */
  | { type: 'failed'; attempt: number; reason: string; retryable: boolean; resultRef?: string };

export interface WorkerExitInfo {
  attempt: number;
  code: number | null;
  signal: string | null;
}

/** The wait before attempt `attempt + 1`, after attempt `attempt` failed in a way that may pass. */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  if (policy.backoffMs <= 0) return 0;
  return Math.min(policy.backoffMs * 2 ** Math.max(attempt - 1, 0), policy.maxBackoffMs);
}

/** Placed on GPUs: a new attempt begins. */
export function onPlaced(job: JobRecord, gpus: GpuAddress[], at: { now: string; inSlot: boolean; slotEndsAt?: string }): Transition {
  const attempt = job.attempt + 1;
  return {
    to: JobStates.scheduled,
    changes: {
      attempt,
      assignedGpus: gpus,
      scheduledAt: at.now,
      workerHandle: undefined,
      notBefore: undefined,
      backfill: job.role !== 'tutor' && !at.inSlot,
      slotEndsAt: at.inSlot ? at.slotEndsAt : undefined,
      attempts: [...(job.attempts ?? []), { attempt, gpus, from: at.now, outcome: AttemptOutcomes.running }],
    },
    stopWorker: false,
  };
}

/** The launcher knows the attempt's worker by `handle`. */
export function withWorker(job: JobRecord, handle: string): JobRecord {
  const attempts = (job.attempts ?? []).map((a) => (a.attempt === job.attempt ? { ...a, worker: handle } : a));
  return { ...job, workerHandle: handle, attempts };
}

/** A worker's report. Reports of an attempt that is no longer current are fenced off. */
export function onReport(job: JobRecord, report: WorkerReport, policy: RetryPolicy, now: string): Decision {
  if (job.attempt !== report.attempt || isTerminal(job.state)) return [];
  switch (report.type) {
    case 'started':
      if (job.state !== JobStates.scheduled) return [];
      return [{ to: JobStates.running, changes: { startedAt: report.time, backend: report.backend }, stopWorker: false }];
    case 'result':
      if (!holdsGpus(job.state)) return [];
      return [{ to: JobStates.succeeded, changes: { resultRef: report.resultRef, backend: report.backend, attempts: closeAttempt(job, AttemptOutcomes.succeeded, undefined, now) }, stopWorker: false }];
    case 'failed':
      if (!holdsGpus(job.state)) return [];
      // A failure that trying again may cure costs an attempt, as a worker that died does; any
      // other ends the job at once.
      if (report.retryable) return lost(job, `its worker failed: ${report.reason}`, policy, now);
      return [
        {
          to: JobStates.failed,
          changes: { reason: report.reason, ...(report.resultRef ? { resultRef: report.resultRef } : {}), attempts: closeAttempt(job, AttemptOutcomes.failed, report.reason, now) },
          stopWorker: false,
        },
      ];
  }
}

/** The attempt's worker process ended. */
export function onWorkerExit(job: JobRecord, exit: WorkerExitInfo, policy: RetryPolicy, now: string): Decision {
  // Only a job still on GPUs for this attempt loses anything (not one its report ended or requeued).
  if (job.attempt !== exit.attempt || !holdsGpus(job.state)) return [];
  if (job.preempting) return onPreempted(job, now);
  const how = exit.signal ? `was killed by ${exit.signal}` : exit.code === null ? 'ended' : `exited with code ${exit.code}`;
  return lost(job, `its worker ${how} without reporting a result`, policy, now);
}

/** A job told to stop for a slot's sake has left its GPUs: it waits in its queue again. */
export function onPreempted(job: JobRecord, now: string): Decision {
  const reason = job.preempting?.reason ?? 'preempted';
  return [
    { to: JobStates.preempted, changes: { reason, attempts: closeAttempt(job, AttemptOutcomes.preempted, reason, now) }, stopWorker: false },
    { to: JobStates.queued, changes: { reason: `${reason}; queued again`, preempting: undefined }, stopWorker: false },
  ];
}

/** The notice that starts a preemption; undefined when one is already under way. */
export function onPreemptionNotice(job: JobRecord, reason: string, now: string): Partial<JobRecord> | undefined {
  if (job.preempting || !holdsGpus(job.state)) return undefined;
  return { preempting: { reason, since: now } };
}

/** The worker sent no heartbeat for too long. */
export function onLeaseExpired(job: JobRecord, timeoutMs: number, policy: RetryPolicy, now: string): Decision {
  if (!holdsGpus(job.state)) return [];
  return lost(job, `its worker sent no heartbeat for ${Math.round(timeoutMs / 1000)} s`, policy, now);
}

/** The worker is gone for a reason the scheduler saw itself (e.g. not found after a restart). */
export function onWorkerGone(job: JobRecord, why: string, policy: RetryPolicy, now: string): Decision {
  if (!holdsGpus(job.state)) return [];
  return lost(job, why, policy, now);
}

/** The worker could not be started at all: nothing another attempt would do differently. */
export function onLaunchFailed(job: JobRecord, message: string, now: string): Decision {
  if (!holdsGpus(job.state)) return [];
  const reason = `the worker could not be started: ${message}`;
  return [{ to: JobStates.failed, changes: { reason, attempts: closeAttempt(job, AttemptOutcomes.failed, reason, now) }, stopWorker: true }];
}

/** Cancelled by a person; nothing for a job that has ended. */
export function onCancelled(job: JobRecord, by: string, now: string): Decision {
  if (isTerminal(job.state)) return [];
  const reason = `cancelled by ${by}`;
  const attempts = holdsGpus(job.state) ? closeAttempt(job, AttemptOutcomes.cancelled, reason, now) : job.attempts;
  return [{ to: JobStates.cancelled, changes: { reason, attempts }, stopWorker: holdsGpus(job.state) }];
}

/**
 * The job after one transition: its changes, the run it closes when it leaves RUNNING (what
 * usage counts), its end time, its GPUs given back when it is queued again.
 */
export function applyTransition(current: JobRecord, t: Transition, now: string): JobRecord {
  assertTransition(current.id, current.state, t.to);
  const closesRun = current.state === JobStates.running && t.to !== JobStates.running && current.startedAt !== undefined;
  const runs = closesRun
    ? [...(current.runs ?? []), { from: current.startedAt as string, to: now, gpus: current.assignedGpus.length, backfill: current.backfill === true }]
    : current.runs;
  return {
    ...current,
    ...t.changes,
    runs,
    state: t.to,
    ...(isTerminal(t.to) ? { finishedAt: now } : {}),
    ...(t.to === JobStates.queued ? { assignedGpus: [] } : {}),
  };
}

/** A worker lost, silent or failing in a way that may pass: retried within the budget, or failed. */
function lost(job: JobRecord, why: string, policy: RetryPolicy, now: string): Decision {
  const tries = triesSoFar(job);
  if (tries >= policy.maxAttempts) {
    const reason = `${why} (attempt ${tries} of ${policy.maxAttempts})`;
    return [{ to: JobStates.failed, changes: { reason, attempts: closeAttempt(job, AttemptOutcomes.failed, reason, now) }, stopWorker: true }];
  }
  const delay = retryDelayMs(policy, tries);
  const notBefore = delay > 0 ? new Date(Date.parse(now) + delay).toISOString() : undefined;
  return [{ to: JobStates.queued, changes: { reason: why, notBefore, attempts: closeAttempt(job, AttemptOutcomes.retried, why, now) }, stopWorker: true }];
}

/**
 * The attempts that count against the retry budget, the current one included: a job stopped for
 * a slot's sake did nothing wrong, so its preempted attempts are not counted (a three-day
 * experiment preempted at each slot's end keeps its whole budget for real failures).
 */
export function triesSoFar(job: JobRecord): number {
  const preempted = (job.attempts ?? []).filter((a) => a.attempt !== job.attempt && a.outcome === AttemptOutcomes.preempted).length;
  return job.attempt - preempted;
}

/** The attempts with the current one ended; one is added for a record from before attempts were kept. */
function closeAttempt(job: JobRecord, outcome: AttemptOutcome, reason: string | undefined, now: string): JobAttempt[] {
  const attempts = [...(job.attempts ?? [])];
  const i = attempts.findIndex((a) => a.attempt === job.attempt);
  const base: JobAttempt = i >= 0 ? attempts[i] : { attempt: job.attempt, gpus: job.assignedGpus, from: job.scheduledAt ?? now, outcome, worker: job.workerHandle };
  const closed: JobAttempt = { ...base, to: now, outcome, ...(reason !== undefined ? { reason: excerpt(reason) } : {}) };
  if (i >= 0) attempts[i] = closed;
  else attempts.push(closed);
  return attempts;
}

/** Reasons come from workers: kept short in the record that every read returns. */
function excerpt(reason: string): string {
  return reason.length > 300 ? `${reason.slice(0, 300)}… (${reason.length} characters)` : reason;
}

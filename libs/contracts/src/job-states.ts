export const JobStates = {
  queued: 'QUEUED',
  scheduled: 'SCHEDULED',
  running: 'RUNNING',
  succeeded: 'SUCCEEDED',
  failed: 'FAILED',
  cancelled: 'CANCELLED',
  preempted: 'PREEMPTED',
} as const;

export type JobStateName = (typeof JobStates)[keyof typeof JobStates];

export const ALL_JOB_STATES: readonly JobStateName[] = Object.values(JobStates);

const TERMINAL: ReadonlySet<JobStateName> = new Set([JobStates.succeeded, JobStates.failed, JobStates.cancelled]);

export function isTerminalState(state: JobStateName): boolean {
  return TERMINAL.has(state);
}

export function isJobStateName(value: string): value is JobStateName {
  return (ALL_JOB_STATES as readonly string[]).includes(value);
}

import { type JobStateName, JobStates } from '@gpulab/contracts';
import { InvalidTransitionError } from './errors';

export type JobState = JobStateName;

const ALLOWED: Record<JobState, readonly JobState[]> = {
  QUEUED: ['SCHEDULED', 'CANCELLED', 'FAILED'],
  SCHEDULED: ['RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'QUEUED', 'PREEMPTED'],
  RUNNING: ['SUCCEEDED', 'FAILED', 'CANCELLED', 'QUEUED', 'PREEMPTED'],
  PREEMPTED: ['QUEUED', 'CANCELLED'],
  SUCCEEDED: [],
  FAILED: [],
  CANCELLED: [],
};

export function canTransition(from: JobState, to: JobState): boolean {
  return ALLOWED[from].includes(to);
}

/** Throws when the state machine has no edge `from → to`. */
export function assertTransition(jobId: string, from: JobState, to: JobState): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(jobId, from, to);
}

/** States in which a job holds GPUs. */
export function holdsGpus(state: JobState): boolean {
  return state === JobStates.scheduled || state === JobStates.running;
}

export function isTerminal(state: JobState): boolean {
  return ALLOWED[state].length === 0;
}

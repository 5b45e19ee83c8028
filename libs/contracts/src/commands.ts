import { type ErrorPayload } from './error-payload';
import { type JobInputSpec, type JobRecord } from './job-record';
import { type JobStateName } from './job-states';
import { TUTOR_NOTICES } from './subjects';

/** The team of what tutors submit and upload: their jobs, their artifacts. */
export const TUTORS_TEAM = 'tutors';

/**
 * Names no team may take: the tutors' team and notices audience (a team of that name would reach
 * the tutors' jobs, uploads and notices) and the names of gpulab's own parts.
 */
export const RESERVED_TEAM_NAMES: readonly string[] = [...new Set([TUTORS_TEAM, TUTOR_NOTICES, 'tutor', 'admin', 'system', 'gpulab', 'scheduler', 'gateway', 'worker'])];

/** Who asks: the gateway has authenticated them. Tutors see every team. */
export interface Caller {
  role: 'tutor' | 'member';
  team?: string;
  name: string;
}

/** A command that needs only to know who asks (the calendar, the teams, the feasibility report). */
export interface CallerQuery {
  caller: Caller;
}

/** A new job, as the gateway checked it. */
export interface SubmitCommand {
  caller: Caller;
  /** Chosen by the gateway so a retried submit cannot create a second job. */
  jobId: string;
  kind: string;
  params: Record<string, unknown>;
  input: JobInputSpec;
  gpus: number;
  priority: boolean;
  preemptible: boolean;
}

/** One job, asked about by someone who may see it or not. */
export interface JobRef {
  caller: Caller;
  jobId: string;
}

/** Marks a finished job's result and files deleted (the gateway then deletes the objects). */
export interface DeleteOutputsCommand extends JobRef {
  /** The retention sweep, not the caller, is deleting them. */
  retention?: boolean;
}

export interface DeleteOutputsReply {
  job: JobRecord;
  /** The job was marked before: a repeated deletion, answered as the first one. */
  alreadyDeleted: boolean;
}

/** One page of jobs: a member's team's, or any team's for a tutor. */
export interface ListQuery {
  caller: Caller;
  states: JobStateName[];
  team?: string;
  pageSize: number;
  /** Opaque cursor from a previous page. */
  pageToken?: string;
}

/** A job as it is now; `notices` tell the caller what their command changed besides. */
export interface JobReply {
  job: JobRecord;
  notices?: string[];
}

export interface ListReply {
  jobs: JobRecord[];
  nextPageToken?: string;
}

/** A scheduler command's answer on the wire: its value, or the error the gateway maps to a gRPC status. */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: ErrorPayload };

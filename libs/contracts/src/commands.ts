import { type ErrorPayload } from './error-codes';
import { type JobInputSpec, type JobRecord } from './job-record';
import { type JobStateName } from './job-states';

/** Who asks: the gateway has authenticated them. Tutors see every team. */
/** The team of what tutors submit and upload: their jobs, their artifacts. */
export const TUTORS_TEAM = 'tutors';

export interface Caller {
  role: 'tutor' | 'member';
  team?: string;
  name: string;
}

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

export interface JobRef {
  caller: Caller;
  jobId: string;
}

export interface ListQuery {
  caller: Caller;
  states: JobStateName[];
  team?: string;
  pageSize: number;
  /** Opaque cursor from a previous page. */
  pageToken?: string;
}

export interface JobReply {
  job: JobRecord;
  notices?: string[];
}

export interface ListReply {
  jobs: JobRecord[];
  nextPageToken?: string;
}

export type Reply<T> = { ok: true; value: T } | { ok: false; error: ErrorPayload };

import { type JobStateName } from './job-states';

/** The kind that runs a team's own command, as `gpulab submit run` and the job record spell it. */
export const RUN_KIND_NAME = 'run';

export interface GpuAddress {
  server: string;
  index: number;
}

/** Where a job's data comes from, once the gateway has checked it. */
export type JobInputSpec =
  | { source: 'none' }
  | { source: 'dataset'; name: string }
  /**
   * An object in the Object Store: a matrix the gateway parsed (see `encodeMatrix`), or with
   * `encoding: 'image'` an uploaded picture as its file, which the worker decodes into one row.
   * `itemShape` is one row's shape before it was flattened, where the data had one.
   */
  | { source: 'object'; name: string; rows: number; cols: number; filename?: string; artifactId?: string; encoding?: 'matrix' | 'image'; itemShape?: number[] };

/**
 * The name a job may give a file it writes, and so the only names a download writes: a letter or
 * digit, then letters, digits, `.`, `_`, `-`; no separator, nothing hidden, at most 128.
 */
export const OUTPUT_FILE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A file a job wrote beside its result, as listed in the stored result under `files`. */
export interface OutputFileRef {
  name: string;
  contentType: string;
  bytes: number;
  description?: string;
}

/** One stretch of a job on its GPUs. */
export interface JobRun {
  /** ISO-8601. */
  from: string;
  to: string;
  gpus: number;
  backfill: boolean;
}

/**
 * Why a queued job has not started, as the scheduler's latest cycle sees it. Not stored: the
 * scheduler derives it when a job is read, so a long queue costs no writes when it moves.
 */
export interface JobWaiting {
  /** The scheduling core's code: NO_FREE_GPU, NEVER_FITS, WAITING_FOR_SLOT, NO_SLOT, SLOT_BUSY. */
  code: string;
  /** The rule in a sentence, for a person. */
  message: string;
  /** The first date (YYYY-MM-DD, the term's zone) on which the job can run, when known. */
  fromDay?: string;
  /** 1-based place in the team's queue (priority jobs first, then first come, first served). */
  position?: number;
}

/** How one attempt of a job ended; `running` while it is still on its GPUs. */
export const AttemptOutcomes = {
  running: 'running',
  succeeded: 'succeeded',
  /** Ended with a failure that another attempt may cure; the job was queued again. */
  retried: 'retried',
  /** Ended with a failure that ended the job. */
  failed: 'failed',
  /** Stopped for a slot's sake; the job was queued again. */
  preempted: 'preempted',
  cancelled: 'cancelled',
} as const;

export type AttemptOutcome = (typeof AttemptOutcomes)[keyof typeof AttemptOutcomes];

/** One attempt of a job: from being placed on GPUs to leaving them. */
export interface JobAttempt {
  attempt: number;
  /** How the launcher knew the attempt's worker (e.g. `pid:1234`), once it was started. */
  worker?: string;
  gpus: GpuAddress[];
  /** ISO-8601: when the attempt was placed, and when it left its GPUs. */
  from: string;
  to?: string;
  outcome: AttemptOutcome;
  reason?: string;
}

/** A job as the scheduler keeps it in KV: the single source of truth about the job. */
export interface JobRecord {
  id: string;
  team: string;
  submittedBy: string;
  /** Tutor jobs run on GPUs no slot holds. */
  role: 'member' | 'tutor';
  priority: boolean;
  preemptible: boolean;
  /** Placed on GPUs outside the team's slot (preemptible backfill); counted in usage. */
  backfill?: boolean;
  /** Finished runs of earlier attempts and of this one, for GPU-hour accounting. */
  runs?: JobRun[];
  /**
   * ISO-8601: the end of the slot the current attempt was placed in (absent outside a slot): a
   * `run` job's timeout is clipped to it, since the slot's end stops the attempt anyway.
   */
  slotEndsAt?: string;
  /** Set while the worker has been told to stop for a slot's sake. */
  preempting?: { reason: string; since: string };
  kind: string;
  params: Record<string, unknown>;
  input: JobInputSpec;
  gpus: number;
  state: JobStateName;
  attempt: number;
  assignedGpus: GpuAddress[];
  reason?: string;
  /** Set on queued jobs the scheduler returns; see `JobWaiting`. */
  waiting?: JobWaiting;
  /** Every attempt so far, oldest first. */
  attempts?: JobAttempt[];
  /** ISO-8601: a job queued again after a transient failure is not placed before this. */
  notBefore?: string;
  /** ISO-8601 times. */
  createdAt: string;
  scheduledAt?: string;
  startedAt?: string;
  finishedAt?: string;
  backend?: string;
  /** How the launcher finds this attempt's worker again (e.g. `pid:1234`). */
  workerHandle?: string;
  /**
   * Object Store name of the result once the job succeeded; of a job that failed or was
   * cancelled, of the record of the files it kept (a run job's outputs), when it kept any.
   */
  resultRef?: string;
  /** Set once the job's result and output files were deleted (by a member, or by the retention). */
  outputsDeleted?: OutputsDeletion;
}

/** Who deleted a finished job's result and files, and when. */
export interface OutputsDeletion {
  /** ISO-8601. */
  at: string;
  /** The member or tutor who asked, or `retention` for the periodic sweep. */
  by: string;
}

/** The `by` of a deletion made by the retention sweep rather than by a person. */
export const RETENTION_DELETER = 'retention';

import { type Caller } from './commands';

/** A schedule's id, `bs-` and random base32 letters: it travels in KV keys and job ids. */
export const BENCH_SCHEDULE_ID_PATTERN = /^bs-[a-z2-7]{1,32}$/;

/** What became of one firing of a benchmark schedule. */
export const BenchFiringOutcomes = {
  /** Its jobs are queued, waiting for a GPU no slot holds. */
  submitted: 'submitted',
  /** Every job started within the schedule's period. */
  started: 'started',
  /** It did not run: the reason says why (no free GPU within the period, the scheduler was down). */
  skipped: 'skipped',
} as const;
export type BenchFiringOutcome = (typeof BenchFiringOutcomes)[keyof typeof BenchFiringOutcomes];

/** One firing of a schedule: the instant it was due, and what came of it. */
export interface BenchFiring {
  /** RFC 3339: the instant the cron expression named. */
  at: string;
  /** RFC 3339: the next firing's instant; a job that has not started by then is cancelled and the firing skipped. */
  deadline: string;
  outcome: BenchFiringOutcome;
  /** The benchmark jobs it submitted, one per batch size; none when it was skipped before submitting. */
  jobIds: string[];
  /** Why it was skipped. */
  reason?: string;
}

/** What a tutor asks to be benchmarked, and when. */
export interface BenchScheduleSpec {
  /** Five fields (minute hour day-of-month month day-of-week), or six with seconds first, in the term's time zone. */
  cron: string;
  model: string;
  /** Empty: every backend installed on the worker. */
  backends: string[];
  /** One job per batch size. */
  batchSizes: number[];
  images?: number;
  inputSize?: number;
}

/** A benchmark schedule as KV `BenchScheduleKeys` keeps it. */
export interface BenchScheduleRecord extends BenchScheduleSpec {
  id: string;
  /** The term's IANA zone when it was added: the cron is read in it. */
  timeZone: string;
  /** Each firing's jobs' parameters, one per batch size, as the benchmark kind compiled them. */
  jobParams: Record<string, unknown>[];
  paused: boolean;
  createdAt: string;
  createdBy: string;
  /** RFC 3339: firings are looked for after this instant (the creation, a resume, or the last firing). */
  since: string;
  /** The latest firings, oldest first, at most `BENCH_FIRINGS_KEPT`. */
  firings: BenchFiring[];
}

/** Firings a schedule's record keeps: enough to see a pattern, small enough for one KV entry. */
export const BENCH_FIRINGS_KEPT = 10;

/** A schedule as a reader sees it: with its next firing. */
export interface BenchScheduleView extends BenchScheduleRecord {
  /** RFC 3339; absent when paused or when the expression never fires again. */
  nextFiring?: string;
}

/** A new schedule, its jobs' parameters compiled by the gateway. */
export interface AddBenchScheduleCommand extends BenchScheduleSpec {
  caller: Caller;
  jobParams: Record<string, unknown>[];
}

/** One schedule, by id. */
export interface BenchScheduleRef {
  caller: Caller;
  scheduleId: string;
}

/** Pauses or resumes a schedule. */
export interface PauseBenchScheduleCommand extends BenchScheduleRef {
  paused: boolean;
}

/**
 * Every NATS name the services share. Nothing else spells a subject, stream or bucket, but the
 * table of scheduler commands (`scheduler-commands.ts`) names each command under `gpulab.scheduler.`.
 *
 * Job events live under `gpulab.events.<jobId>.…` in one stream, so a job's whole history
 * replays with one filter. The scheduler's own events sit at `gpulab.events.<jobId>.<channel>`;
 * a worker's at `gpulab.events.<jobId>.<attempt>.<channel>`, so the subject itself names the
 * attempt and NATS permissions let each attempt's credentials publish only there (see
 * `nats-permissions.ts`). Worker reports that change a job's state (started, result, failed)
 * sit under `.report.` so the scheduler can follow just those with a single-subject filter
 * (nats-server 2.9 has no multi-filter consumers).
 */
export const Nats = {
  eventsStream: 'GPULAB_EVENTS',
  /** Messages for a team or the tutors (`gpulab.notices.<team>`, `gpulab.notices.tutors`). */
  noticesStream: 'GPULAB_NOTICES',
  noticesWildcard: 'gpulab.notices.>',
  eventsWildcard: 'gpulab.events.>',
  /** What `run` jobs print (`gpulab.logs.<jobId>.<attempt>`, see `job-logs.ts`). */
  logsStream: 'GPULAB_LOGS',
  logsWildcard: 'gpulab.logs.>',
  jobsBucket: 'gpulab-jobs',
  /** Slots (`slots.<id>`), the term (`term`) and quota overrides (`quota.<team>`). */
  calendarBucket: 'gpulab-calendar',
  artifactsBucket: 'gpulab-artifacts',
  /** Uploaded artifacts' records (`artifacts.<id>`) and uploads in progress (`uploads.<id>`). */
  artifactIndexBucket: 'gpulab-artifact-index',
  schedulerQueueGroup: 'scheduler',
  /** Durable consumer through which the scheduler reads worker reports. */
  schedulerReportsConsumer: 'scheduler-reports',
  allReports: 'gpulab.events.*.*.report.*',
} as const;

const SCHEDULER_COMMAND_PREFIX = 'gpulab.scheduler.';

/**
 * The subject of a scheduler command (`gpulab.scheduler.<name>`, answered by the queue group
 * `scheduler`); the commands themselves are the table `SchedulerCommands` in `scheduler-commands.ts`.
 */
export function schedulerCommandSubject(name: string): string {
  return `${SCHEDULER_COMMAND_PREFIX}${name}`;
}

/** Every scheduler command, today's and any later one: what the permissions grant or deny. */
export const SCHEDULER_COMMANDS_WILDCARD = `${SCHEDULER_COMMAND_PREFIX}>`;

/** What the scheduler itself publishes about a job. */
export type SchedulerChannel = 'state' | 'log';
/** What a job's worker publishes; `report.*` changes the job's state. */
export type WorkerChannel = 'progress' | 'log' | 'report.started' | 'report.result' | 'report.failed';
export type EventChannel = SchedulerChannel | WorkerChannel;

/** A subject of the scheduler's events of a job. */
export function jobEventSubject(jobId: string, channel: SchedulerChannel): string {
  return `gpulab.events.${jobId}.${channel}`;
}

/** A subject of one attempt's worker events: only that attempt's credentials may publish on it. */
export function workerEventSubject(jobId: string, attempt: number, channel: WorkerChannel): string {
  return `gpulab.events.${jobId}.${attempt}.${channel}`;
}

export function jobEventsFilter(jobId: string): string {
  return `gpulab.events.${jobId}.>`;
}

/** The job and attempt a worker subject names (`gpulab.<area>.<jobId>.<attempt>.…`), or undefined. */
export function attemptOfSubject(subject: string): { jobId: string; attempt: number } | undefined {
  const [, , jobId, attempt] = subject.split('.');
  if (jobId === undefined || !JOB_ID_PATTERN.test(jobId) || !/^[1-9][0-9]{0,8}$/.test(attempt ?? '')) return undefined;
  return { jobId, attempt: Number(attempt) };
}

/**
 * Workers' liveness beats, as requests: the scheduler answers whether the attempt is still
 * current, and a worker told it is not stops. Plain NATS, not stored (only the latest matters).
 */
export function heartbeatSubject(jobId: string, attempt: number): string {
  return `gpulab.heartbeats.${jobId}.${attempt}`;
}

export const HEARTBEATS_WILDCARD = 'gpulab.heartbeats.*.*';

export interface HeartbeatReply {
  /** False once the scheduler has given up on this attempt: its worker must stop. */
  current: boolean;
}

/**
 * A worker's only way to the stored data: requests to the scheduler, which checks each against
 * the job and attempt the subject names. Workers get no KV or Object Store rights of their own.
 */
export const WorkerDataOps = {
  job: 'job',
  read: 'read',
  write: 'write',
} as const;

export type WorkerDataOp = (typeof WorkerDataOps)[keyof typeof WorkerDataOps];

export function workerDataSubject(jobId: string, attempt: number, op: WorkerDataOp): string {
  return `gpulab.workers.${jobId}.${attempt}.${op}`;
}

export const WORKER_DATA_WILDCARD = 'gpulab.workers.*.*.*';

/** Replies to a worker's requests come only to inboxes under this prefix. */
export function workerInboxPrefix(jobId: string, attempt: number): string {
  return `_INBOX_${jobId}_${attempt}`;
}

export function noticeSubject(audience: string): string {
  return `gpulab.notices.${audience}`;
}

/** The audience of notices meant for tutors. */
export const TUTOR_NOTICES = 'tutors';

/** KV key of a job record. */
export function jobKey(jobId: string): string {
  return `jobs.${jobId}`;
}

export const jobKeyPrefix = 'jobs.';

export const CalendarKeys = {
  term: 'term',
  inventory: 'inventory',
  slot: (id: string) => `slots.${id}`,
  slotPrefix: 'slots.',
  quota: (team: string) => `quota.${team}`,
  quotaPrefix: 'quota.',
  team: (name: string) => `teams.${name}`,
  teamPrefix: 'teams.',
  token: (hash: string) => `tokens.${hash}`,
} as const;

/** Object Store names of a job's files. */
export const ObjectNames = {
  input: (jobId: string) => `jobs/${jobId}/input.f64`,
  result: (jobId: string) => `jobs/${jobId}/result.json`,
  checkpoint: (jobId: string) => `jobs/${jobId}/checkpoint`,
  /** A file a job wrote beside its result (a plot, an embedding), under its own name. */
  output: (jobId: string, file: string) => `jobs/${jobId}/out/${file}`,
  /**
   * An artifact's one object: a data set's `encodeMatrix` bytes (labels included), a picture's
   * file as uploaded, or a model's `encodeModelBundle` bytes.
   */
  artifact: (artifactId: string) => `artifacts/${artifactId}/data`,
  /** One received chunk of an upload in progress, by its byte offset. */
  uploadPart: (uploadId: string, offset: number) => `uploads/${uploadId}/${String(offset).padStart(15, '0')}`,
} as const;

/**
 * Object Store metadata keys. Every object of a job (input, result, files, checkpoint) names the
 * team its storage counts against, so the gateway's storage ledger can count it without asking
 * whose job it is.
 */
export const ObjectMetadata = {
  team: 'gpulab-team',
} as const;

export const ArtifactKeys = {
  artifact: (id: string) => `artifacts.${id}`,
  artifactPrefix: 'artifacts.',
  upload: (id: string) => `uploads.${id}`,
  uploadPrefix: 'uploads.',
} as const;

/** Benchmark history rows, one per backend of a succeeded `benchmark` job, in `Nats.jobsBucket` beside the jobs. */
export const BenchmarkKeys = {
  row: (jobId: string, index: number) => `benchmarks.${jobId}.${index}`,
  prefix: 'benchmarks.',
} as const;

/** Benchmark schedules (`gpulab bench schedule`), one entry each, in `Nats.jobsBucket` beside the jobs they submit. */
export const BenchScheduleKeys = {
  schedule: (id: string) => `bench-schedules.${id}`,
  prefix: 'bench-schedules.',
} as const;

/** Ids travel inside subjects and keys, so they are restricted to a safe alphabet. */
export const JOB_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

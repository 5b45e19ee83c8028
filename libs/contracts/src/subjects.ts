/**
 * Every NATS name the services share. Nothing else spells a subject, stream or bucket.
 *
 * Job events live under `gpulab.events.<jobId>.…` in one stream, so a job's whole history
 * replays with one filter. Worker reports that change a job's state (started, result, failed)
 * sit under `.report.` so the scheduler can follow just those with a single-subject filter
 * (nats-server 2.9 has no multi-filter consumers).
 */
export const Nats = {
  eventsStream: 'GPULAB_EVENTS',
  /** Messages for a team or the tutors (`gpulab.notices.<team>`, `gpulab.notices.tutors`). */
  noticesStream: 'GPULAB_NOTICES',
  noticesWildcard: 'gpulab.notices.>',
  eventsWildcard: 'gpulab.events.>',
  jobsBucket: 'gpulab-jobs',
  /** Slots (`slots.<id>`), the term (`term`) and quota overrides (`quota.<team>`). */
  calendarBucket: 'gpulab-calendar',
  artifactsBucket: 'gpulab-artifacts',
  /** Uploaded artifacts' records (`artifacts.<id>`) and uploads in progress (`uploads.<id>`). */
  artifactIndexBucket: 'gpulab-artifact-index',
  schedulerQueueGroup: 'scheduler',
  /** Durable consumer through which the scheduler reads worker reports. */
  schedulerReportsConsumer: 'scheduler-reports',
  allReports: 'gpulab.events.*.report.*',
} as const;

/** The scheduler's request/reply commands. */
export const SchedulerSubjects = {
  submit: 'gpulab.scheduler.submit',
  cancel: 'gpulab.scheduler.cancel',
  get: 'gpulab.scheduler.get',
  list: 'gpulab.scheduler.list',
  calendar: 'gpulab.scheduler.slots.calendar',
  book: 'gpulab.scheduler.slots.book',
  cancelSlot: 'gpulab.scheduler.slots.cancel',
  moveSlot: 'gpulab.scheduler.slots.move',
  quota: 'gpulab.scheduler.slots.quota',
  usage: 'gpulab.scheduler.slots.usage',
  feasibility: 'gpulab.scheduler.admin.feasibility',
  setQuota: 'gpulab.scheduler.admin.set-quota',
  inventory: 'gpulab.scheduler.admin.inventory',
  teams: 'gpulab.scheduler.admin.teams',
  createTeam: 'gpulab.scheduler.admin.create-team',
  addMember: 'gpulab.scheduler.admin.add-member',
  removeMember: 'gpulab.scheduler.admin.remove-member',
  rotateMember: 'gpulab.scheduler.admin.rotate-member',
} as const;

export type EventChannel = 'state' | 'progress' | 'log' | 'report.started' | 'report.result' | 'report.failed';

export function jobEventSubject(jobId: string, channel: EventChannel): string {
  return `gpulab.events.${jobId}.${channel}`;
}

export function jobEventsFilter(jobId: string): string {
  return `gpulab.events.${jobId}.>`;
}

/** Workers' liveness beats: plain NATS, not stored (only the latest matters). */
export function heartbeatSubject(jobId: string): string {
  return `gpulab.heartbeats.${jobId}`;
}

export const HEARTBEATS_WILDCARD = 'gpulab.heartbeats.*';

export interface Heartbeat {
  jobId: string;
  attempt: number;
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

export const ArtifactKeys = {
  artifact: (id: string) => `artifacts.${id}`,
  artifactPrefix: 'artifacts.',
  upload: (id: string) => `uploads.${id}`,
  uploadPrefix: 'uploads.',
} as const;

/** Ids travel inside subjects and keys, so they are restricted to a safe alphabet. */
export const JOB_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

import * as pb from './pb';
import { type BenchScheduleView } from './bench-schedules';
import { type JobEventEnvelope, PROGRESS_LIMITS, type ResourceSample } from './events';
import { type AttemptOutcome, AttemptOutcomes, type GpuAddress, type JobAttempt, type JobInputSpec, type JobRecord, type JobWaiting } from './job-record';
import { type JobStateName, JobStates } from './job-states';
import { type MemberTokenReply, type SlotKind, type SlotView, type TeamQuotaView, type TeamView } from './slots';
import { type ArtifactKindName, type ArtifactRecord, type DataFormatName, type FinishPhaseName, type FinishProgressView, type StorageUsageView, type UploadFileName, uploadFiles, type UploadRecord } from './artifacts';

const TO_PROTO: Record<JobStateName, pb.JobState> = {
  [JobStates.queued]: pb.JobState.JOB_STATE_QUEUED,
  [JobStates.scheduled]: pb.JobState.JOB_STATE_SCHEDULED,
  [JobStates.running]: pb.JobState.JOB_STATE_RUNNING,
  [JobStates.succeeded]: pb.JobState.JOB_STATE_SUCCEEDED,
  [JobStates.failed]: pb.JobState.JOB_STATE_FAILED,
  [JobStates.cancelled]: pb.JobState.JOB_STATE_CANCELLED,
  [JobStates.preempted]: pb.JobState.JOB_STATE_PREEMPTED,
};

const FROM_PROTO = new Map<pb.JobState, JobStateName>(
  Object.entries(TO_PROTO).map(([name, value]) => [value, name as JobStateName]),
);

export function jobStateToProto(state: JobStateName): pb.JobState {
  return TO_PROTO[state];
}

/** Undefined for UNSPECIFIED and for numbers this version does not know. */
export function jobStateFromProto(state: pb.JobState): JobStateName | undefined {
  return FROM_PROTO.get(state);
}

function date(iso: string | undefined): Date | undefined {
  return iso === undefined ? undefined : new Date(iso);
}

function gpusToProto(gpus: GpuAddress[]): pb.GpuRef[] {
  return gpus.map((g) => ({ server: g.server, index: g.index }));
}

function inputToProto(input: JobInputSpec): pb.JobInput | undefined {
  switch (input.source) {
    case 'none':
      return undefined;
    case 'dataset':
      return { dataset: input.name };
    case 'object':
      if (input.artifactId) return { artifactId: input.artifactId };
      // The bytes stay in the store; the reply names the file the user sent.
      return { inline: { format: 'csv', content: Buffer.alloc(0), filename: input.filename ?? '' } };
  }
}

/** A run job's resource samples as the gateway found them in its events: the latest and the peak. */
export interface JobResourceUse {
  latest?: ResourceSample;
  peak?: ResourceSample;
}

/**
 * `result` is passed separately: it may live in the Object Store rather than the record; so are
 * `resources`, which live in the job's progress events.
 */
export function jobRecordToProto(job: JobRecord, result?: unknown, resources: JobResourceUse = {}): pb.Job {
  return {
    id: job.id,
    team: job.team,
    kind: job.kind,
    state: jobStateToProto(job.state),
    params: job.params,
    input: inputToProto(job.input),
    gpus: job.gpus,
    assignedGpus: gpusToProto(job.assignedGpus),
    attempt: job.attempt,
    reason: job.reason ?? '',
    waitingReason: job.waiting?.message ?? '',
    createdAt: date(job.createdAt),
    scheduledAt: date(job.scheduledAt),
    startedAt: date(job.startedAt),
    finishedAt: date(job.finishedAt),
    result: asStruct(result),
    backend: job.backend ?? '',
    submittedBy: job.submittedBy,
    priority: job.priority,
    preemptible: job.preemptible,
    waiting: waitingToProto(job.waiting),
    attempts: (job.attempts ?? []).map(attemptToProto),
    notBefore: date(job.notBefore),
    resources: resourceSampleToProto(resources.latest),
    peakResources: resourceSampleToProto(resources.peak),
  };
}

const finite = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : 0);

/**
 * A sample as the proto carries it, bounded: the worker that took it runs beside the team's own
 * code, so nothing in it is trusted to be small or well-formed.
 */
export function resourceSampleToProto(sample: ResourceSample | undefined): pb.ResourceUsage | undefined {
  if (!sample || typeof sample !== 'object') return undefined;
  const at = typeof sample.at === 'string' ? new Date(sample.at) : undefined;
  return {
    cpuPercent: finite(sample.cpuPercent),
    rssBytes: Math.round(finite(sample.rssBytes)),
    gpus: (Array.isArray(sample.gpus) ? sample.gpus.slice(0, PROGRESS_LIMITS.maxSampledGpus) : []).map((g) => ({
      index: Math.round(finite(g?.index)),
      utilizationPercent: Math.min(finite(g?.utilizationPercent), 100),
      memoryUsedBytes: Math.round(finite(g?.memoryUsedBytes)),
      memoryTotalBytes: Math.round(finite(g?.memoryTotalBytes)),
    })),
    sampledAt: at && Number.isFinite(at.getTime()) ? at : undefined,
  };
}

/** A progress event's metrics, bounded as the worker bounds them: finite numbers, short names, a few of them. */
export function progressMetricsToProto(metrics: unknown): Record<string, number> {
  if (!metrics || typeof metrics !== 'object' || Array.isArray(metrics)) return {};
  const entries = Object.entries(metrics as Record<string, unknown>).filter(
    (entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]) && entry[0].length > 0 && entry[0].length <= PROGRESS_LIMITS.maxMetricName,
  );
  return Object.fromEntries(entries.slice(0, PROGRESS_LIMITS.maxMetrics));
}

function waitingToProto(waiting: JobWaiting | undefined): pb.JobWaiting | undefined {
  if (!waiting) return undefined;
  return { code: waiting.code, message: waiting.message, fromDay: waiting.fromDay ?? '', position: waiting.position ?? 0 };
}

/** The proto's zero values (empty, 0) stand for "not known", as elsewhere in this contract. */
export function waitingFromProto(waiting: pb.JobWaiting | undefined): JobWaiting | undefined {
  if (!waiting || !waiting.code) return undefined;
  return {
    code: waiting.code,
    message: waiting.message,
    ...(waiting.fromDay ? { fromDay: waiting.fromDay } : {}),
    ...(waiting.position ? { position: waiting.position } : {}),
  };
}

const OUTCOME_TO_PROTO: Record<AttemptOutcome, pb.AttemptOutcome> = {
  [AttemptOutcomes.running]: pb.AttemptOutcome.ATTEMPT_OUTCOME_RUNNING,
  [AttemptOutcomes.succeeded]: pb.AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED,
  [AttemptOutcomes.retried]: pb.AttemptOutcome.ATTEMPT_OUTCOME_RETRIED,
  [AttemptOutcomes.failed]: pb.AttemptOutcome.ATTEMPT_OUTCOME_FAILED,
  [AttemptOutcomes.preempted]: pb.AttemptOutcome.ATTEMPT_OUTCOME_PREEMPTED,
  [AttemptOutcomes.cancelled]: pb.AttemptOutcome.ATTEMPT_OUTCOME_CANCELLED,
};

const OUTCOME_FROM_PROTO = new Map<pb.AttemptOutcome, AttemptOutcome>(
  Object.entries(OUTCOME_TO_PROTO).map(([name, value]) => [value, name as AttemptOutcome]),
);

export function attemptOutcomeToProto(outcome: AttemptOutcome): pb.AttemptOutcome {
  return OUTCOME_TO_PROTO[outcome];
}

/** Undefined for UNSPECIFIED and for numbers this version does not know. */
export function attemptOutcomeFromProto(outcome: pb.AttemptOutcome): AttemptOutcome | undefined {
  return OUTCOME_FROM_PROTO.get(outcome);
}

function attemptToProto(a: JobAttempt): pb.JobAttempt {
  return {
    attempt: a.attempt,
    worker: a.worker ?? '',
    gpus: gpusToProto(a.gpus),
    from: date(a.from),
    to: date(a.to),
    outcome: attemptOutcomeToProto(a.outcome),
    reason: a.reason ?? '',
  };
}

function asStruct(value: unknown): { [key: string]: unknown } | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object' && !Array.isArray(value)) return value as { [key: string]: unknown };
  return { value };
}

/**
 * Maps a stored event to the public one, or undefined for internal reports that the public
 * history shows as state changes instead.
 */
export function jobEventToProto(
  event: JobEventEnvelope,
  sequence: number,
  resolvedResult?: unknown,
): pb.JobEvent | undefined {
  const base = { jobId: event.jobId, attempt: event.attempt, sequence, time: new Date(event.time) };
  const body = event.body;
  switch (body.type) {
    case 'state':
      return {
        ...base,
        stateChange: {
          state: jobStateToProto(body.state),
          reason: body.reason ?? '',
          assignedGpus: gpusToProto(body.assignedGpus ?? []),
        },
      };
    case 'progress':
      return { ...base, progress: { fraction: body.fraction, message: body.message, metrics: progressMetricsToProto(body.metrics), resources: resourceSampleToProto(body.resources) } };
    case 'log':
      return { ...base, log: { level: body.level, message: body.message } };
    case 'result':
      return { ...base, result: { value: asStruct(resolvedResult ?? body.result), backend: body.backend } };
    case 'started':
    case 'failed':
      return undefined;
  }
}

const SLOT_KIND_TO_PROTO: Record<SlotKind, pb.SlotKind> = {
  setup: pb.SlotKind.SLOT_KIND_SETUP,
  experiment: pb.SlotKind.SLOT_KIND_EXPERIMENT,
};

export function slotKindToProto(kind: SlotKind): pb.SlotKind {
  return SLOT_KIND_TO_PROTO[kind];
}

export function slotKindFromProto(kind: pb.SlotKind): SlotKind | undefined {
  return (Object.keys(SLOT_KIND_TO_PROTO) as SlotKind[]).find((k) => SLOT_KIND_TO_PROTO[k] === kind);
}

export function slotToProto(slot: SlotView): pb.Slot {
  return {
    id: slot.id,
    team: slot.team,
    kind: slotKindToProto(slot.kind),
    startDate: slot.startDate,
    days: slot.days,
    server: slot.server,
    gpus: slot.gpus,
    startsAt: slot.startsAt,
    endsAt: slot.endsAt,
  };
}

export function teamToProto(t: TeamView): pb.Team {
  return { name: t.name, members: t.members, source: t.source, roster: (t.roster ?? t.members.map((name) => ({ name }))).map((m) => ({ name: m.name, expiresAt: m.expiresAt ?? '' })) };
}

export function benchScheduleToProto(s: BenchScheduleView): pb.BenchSchedule {
  const last = s.firings[s.firings.length - 1];
  return {
    id: s.id,
    cron: s.cron,
    timeZone: s.timeZone,
    model: s.model,
    backends: s.backends,
    batchSizes: s.batchSizes,
    images: s.images ?? 0,
    inputSize: s.inputSize ?? 0,
    paused: s.paused,
    createdAt: s.createdAt,
    createdBy: s.createdBy,
    nextFiring: s.nextFiring ?? '',
    lastFiring: last && { at: last.at, deadline: last.deadline, outcome: last.outcome, jobIds: last.jobIds, reason: last.reason ?? '' },
  };
}

/** The answer to an add or a rotation: the scheduler's reply plus the token only the gateway knows. */
export function memberTokenToProto(reply: MemberTokenReply, token: string): pb.AddMemberResponse & pb.RotateMemberResponse {
  return { team: reply.team, member: reply.member, token, expiresAt: reply.expiresAt ?? '' };
}

export function teamQuotaToProto(q: TeamQuotaView): pb.TeamQuota {
  return {
    team: q.team,
    kinds: (Object.keys(q.kinds) as SlotKind[]).map((kind) => ({ kind: slotKindToProto(kind), ...q.kinds[kind] })),
    backfillGpuHours: q.backfillGpuHours,
  };
}

const DATA_FORMAT_TO_PROTO: Record<DataFormatName, pb.DataFormat> = {
  csv: pb.DataFormat.DATA_FORMAT_CSV,
  npy: pb.DataFormat.DATA_FORMAT_NPY,
  idx: pb.DataFormat.DATA_FORMAT_IDX,
  png: pb.DataFormat.DATA_FORMAT_PNG,
  jpeg: pb.DataFormat.DATA_FORMAT_JPEG,
  'tfjs-model': pb.DataFormat.DATA_FORMAT_TFJS_MODEL,
  'tfjs-weights': pb.DataFormat.DATA_FORMAT_TFJS_WEIGHTS,
  'tar-gz': pb.DataFormat.DATA_FORMAT_TAR_GZ,
};

const ARTIFACT_KIND_TO_PROTO: Record<ArtifactKindName, pb.ArtifactKind> = {
  dataset: pb.ArtifactKind.ARTIFACT_KIND_DATASET,
  image: pb.ArtifactKind.ARTIFACT_KIND_IMAGE,
  model: pb.ArtifactKind.ARTIFACT_KIND_MODEL,
  code: pb.ArtifactKind.ARTIFACT_KIND_CODE,
};

export function artifactKindFromProto(kind: pb.ArtifactKind): ArtifactKindName | undefined {
  return (Object.keys(ARTIFACT_KIND_TO_PROTO) as ArtifactKindName[]).find((k) => ARTIFACT_KIND_TO_PROTO[k] === kind);
}

export function dataFormatToProto(format: DataFormatName): pb.DataFormat {
  return DATA_FORMAT_TO_PROTO[format];
}

/** Undefined for UNSPECIFIED and for numbers this version does not know. */
export function dataFormatFromProto(format: pb.DataFormat): DataFormatName | undefined {
  return (Object.keys(DATA_FORMAT_TO_PROTO) as DataFormatName[]).find((f) => DATA_FORMAT_TO_PROTO[f] === format);
}

const UPLOAD_FILE_TO_PROTO: Record<UploadFileName, pb.UploadFile> = {
  data: pb.UploadFile.UPLOAD_FILE_DATA,
  labels: pb.UploadFile.UPLOAD_FILE_LABELS,
  weights: pb.UploadFile.UPLOAD_FILE_WEIGHTS,
};

export function uploadFileToProto(file: UploadFileName): pb.UploadFile {
  return UPLOAD_FILE_TO_PROTO[file];
}

export function uploadFileFromProto(file: pb.UploadFile): UploadFileName | undefined {
  return (Object.keys(UPLOAD_FILE_TO_PROTO) as UploadFileName[]).find((f) => UPLOAD_FILE_TO_PROTO[f] === file);
}

export function artifactToProto(a: ArtifactRecord): pb.Artifact {
  return {
    id: a.id,
    team: a.team,
    filename: a.filename,
    format: dataFormatToProto(a.format),
    rows: a.rows,
    cols: a.cols,
    labeled: a.labeled,
    classNames: a.classNames,
    storedBytes: a.storedBytes,
    sha256: a.sha256,
    createdAt: new Date(a.createdAt),
    labelsFilename: a.labelsFilename ?? '',
    createdBy: a.createdBy,
    kind: ARTIFACT_KIND_TO_PROTO[a.kind ?? 'dataset'],
    itemShape: a.itemShape ?? [],
    model: a.model,
    code: a.code,
    weightsFilename: a.weightsFilename ?? '',
    sourceJob: a.sourceJob ?? '',
  };
}

export function uploadToProto(u: UploadRecord): pb.Upload {
  const files = uploadFiles(u).map(([file, spec]): pb.UploadFileStatus => ({ file: UPLOAD_FILE_TO_PROTO[file], filename: spec.filename, sizeBytes: spec.sizeBytes, receivedBytes: spec.receivedBytes }));
  return { id: u.id, team: u.team, chunkSize: u.chunkSize, files, createdAt: new Date(u.createdAt), expiresAt: new Date(u.expiresAt) };
}

export function storageUsageToProto(u: StorageUsageView): pb.StorageUsage {
  return { team: u.team, artifactBytes: u.artifactBytes, uploadBytes: u.uploadBytes, jobInputBytes: u.jobInputBytes, jobOutputBytes: u.jobOutputBytes, limitBytes: u.limitBytes };
}

const FINISH_PHASE_TO_PROTO: Record<FinishPhaseName, pb.FinishPhase> = {
  waiting: pb.FinishPhase.FINISH_PHASE_WAITING,
  checking: pb.FinishPhase.FINISH_PHASE_CHECKING,
  parsing: pb.FinishPhase.FINISH_PHASE_PARSING,
  storing: pb.FinishPhase.FINISH_PHASE_STORING,
  done: pb.FinishPhase.FINISH_PHASE_DONE,
  failed: pb.FinishPhase.FINISH_PHASE_FAILED,
};

/** Undefined for UNSPECIFIED and for phases this version does not know (a newer gateway's). */
export function finishPhaseFromProto(phase: pb.FinishPhase): FinishPhaseName | undefined {
  return (Object.keys(FINISH_PHASE_TO_PROTO) as FinishPhaseName[]).find((p) => FINISH_PHASE_TO_PROTO[p] === phase);
}

/** A FinishUpload's progress as a client sees it; undefined for a phase this version does not know. */
export function finishProgressFromProto(p: pb.FinishProgress): Omit<FinishProgressView, 'team'> | undefined {
  const phase = finishPhaseFromProto(p.phase);
  if (!phase) return undefined;
  return {
    uploadId: p.uploadId,
    phase,
    doneBytes: Number(p.doneBytes),
    totalBytes: Number(p.totalBytes),
    rows: Number(p.rows),
    startedAt: (p.startedAt ?? new Date(0)).toISOString(),
    updatedAt: (p.updatedAt ?? new Date(0)).toISOString(),
    ...(p.artifactId ? { artifactId: p.artifactId } : {}),
  };
}

export function finishProgressToProto(p: FinishProgressView): pb.FinishProgress {
  return {
    uploadId: p.uploadId,
    phase: FINISH_PHASE_TO_PROTO[p.phase],
    doneBytes: p.doneBytes,
    totalBytes: p.totalBytes,
    rows: p.rows,
    startedAt: new Date(p.startedAt),
    updatedAt: new Date(p.updatedAt),
    artifactId: p.artifactId ?? '',
  };
}

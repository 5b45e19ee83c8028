import { attemptOutcomeFromProto, type AttemptOutcome, type GpuAddress, jobStateFromProto, type JobStateName, type JobWaiting, type pb, waitingFromProto } from '@gpulab/contracts';

/** A job as SDK users see it: states by name, times as Dates, the result as plain JSON. */
export interface JobView {
  id: string;
  team: string;
  kind: string;
  state: JobStateName | 'UNKNOWN';
  params: Record<string, unknown>;
  gpus: number;
  assignedGpus: GpuAddress[];
  attempt: number;
  reason?: string;
  /** `waiting.message`, kept for older code. */
  waitingReason?: string;
  /** Why a queued job waits, as data: the code (e.g. WAITING_FOR_SLOT), a sentence, the day it can start, its place in the queue. */
  waiting?: JobWaiting;
  /** Every attempt so far, oldest first. */
  attempts: JobAttemptView[];
  /** A job queued again after a transient failure is not placed before this. */
  notBefore?: Date;
  createdAt?: Date;
  scheduledAt?: Date;
  startedAt?: Date;
  finishedAt?: Date;
  backend?: string;
  submittedBy: string;
  result?: Record<string, unknown>;
  /** A run job's latest sample of what its command uses, while it runs (Slurm's `sstat`). */
  resources?: ResourceUsageView;
  /** The highest of each figure over the current attempt's samples, kept once the job ended. */
  peakResources?: ResourceUsageView;
}

/** What a run job's command uses: CPU in % of one core, resident memory, and each GPU. */
export interface ResourceUsageView {
  cpuPercent: number;
  rssBytes: number;
  gpus: { index: number; utilizationPercent: number; memoryUsedBytes: number; memoryTotalBytes: number }[];
  /** When it was sampled; for a peak, the latest sample it covers. */
  sampledAt?: Date;
}

/** One attempt of a job: from being placed on GPUs to leaving them. */
export interface JobAttemptView {
  attempt: number;
  worker?: string;
  gpus: GpuAddress[];
  from?: Date;
  /** Unset while the attempt is on its GPUs. */
  to?: Date;
  outcome: AttemptOutcome | 'UNKNOWN';
  reason?: string;
}

export type JobEventView =
  | { type: 'state'; jobId: string; attempt: number; sequence: number; time?: Date; state: JobStateName | 'UNKNOWN'; reason?: string; assignedGpus: GpuAddress[] }
  /** `metrics` are what the job reported with its progress (`loss`); `resources` a run job's latest sample. */
  | { type: 'progress'; jobId: string; attempt: number; sequence: number; time?: Date; fraction: number; message: string; metrics?: Record<string, number>; resources?: ResourceUsageView }
  | { type: 'log'; jobId: string; attempt: number; sequence: number; time?: Date; level: string; message: string }
  | { type: 'result'; jobId: string; attempt: number; sequence: number; time?: Date; result: Record<string, unknown>; backend: string };

export function jobFromProto(job: pb.Job): JobView {
  return {
    id: job.id,
    team: job.team,
    kind: job.kind,
    state: jobStateFromProto(job.state) ?? 'UNKNOWN',
    params: job.params ?? {},
    gpus: job.gpus,
    assignedGpus: job.assignedGpus.map((g) => ({ server: g.server, index: g.index })),
    attempt: job.attempt,
    reason: job.reason || undefined,
    waitingReason: job.waitingReason || undefined,
    waiting: waitingFromProto(job.waiting),
    attempts: job.attempts.map(attemptFromProto),
    notBefore: job.notBefore,
    createdAt: job.createdAt,
    scheduledAt: job.scheduledAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    backend: job.backend || undefined,
    submittedBy: job.submittedBy,
    result: job.result,
    resources: resourcesFromProto(job.resources),
    peakResources: resourcesFromProto(job.peakResources),
  };
}

function resourcesFromProto(r: pb.ResourceUsage | undefined): ResourceUsageView | undefined {
  if (!r) return undefined;
  return {
    cpuPercent: r.cpuPercent,
    rssBytes: r.rssBytes,
    gpus: r.gpus.map((g) => ({ index: g.index, utilizationPercent: g.utilizationPercent, memoryUsedBytes: g.memoryUsedBytes, memoryTotalBytes: g.memoryTotalBytes })),
    sampledAt: r.sampledAt,
  };
}

function attemptFromProto(a: pb.JobAttempt): JobAttemptView {
  return {
    attempt: a.attempt,
    worker: a.worker || undefined,
    gpus: a.gpus.map((g) => ({ server: g.server, index: g.index })),
    from: a.from,
    to: a.to,
    outcome: attemptOutcomeFromProto(a.outcome) ?? 'UNKNOWN',
    reason: a.reason || undefined,
  };
}

export function eventFromProto(e: pb.JobEvent): JobEventView | undefined {
  const base = { jobId: e.jobId, attempt: e.attempt, sequence: e.sequence, time: e.time };
  if (e.stateChange) {
    return {
      ...base,
      type: 'state',
      state: jobStateFromProto(e.stateChange.state) ?? 'UNKNOWN',
      reason: e.stateChange.reason || undefined,
      assignedGpus: e.stateChange.assignedGpus.map((g) => ({ server: g.server, index: g.index })),
    };
  }
  if (e.progress) {
    const resources = resourcesFromProto(e.progress.resources);
    const metrics = Object.keys(e.progress.metrics).length > 0 ? { metrics: { ...e.progress.metrics } } : {};
    return { ...base, type: 'progress', fraction: e.progress.fraction, message: e.progress.message, ...metrics, ...(resources ? { resources } : {}) };
  }
  if (e.log) return { ...base, type: 'log', level: e.log.level, message: e.log.message };
  if (e.result) return { ...base, type: 'result', result: e.result.value ?? {}, backend: e.result.backend };
  return undefined;
}

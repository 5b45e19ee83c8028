import {
  ARTIFACT_ID_PATTERN,
  type ArtifactRecord,
  isTutor,
  JOB_ID_PATTERN,
  type JobRecord,
  JobStates,
  ObjectNames,
  OUTPUT_FILE_NAME_PATTERN,
  trainedModelArtifactId,
  type WorkerDataErrorCode,
  type WorkerReadSource,
  type WorkerWriteTarget,
} from '@gpulab/contracts';

/** A name a job may write a file under: no separators, nothing hidden, bounded. */

export type Access = { ok: true; object: string } | { ok: false; code: WorkerDataErrorCode; message: string };

const refuse = (code: WorkerDataErrorCode, message: string): Access => ({ ok: false, code, message });

/** Whether `attempt` is the attempt of `job` that holds its GPUs now. */
export function isCurrentAttempt(job: JobRecord | undefined, attempt: number): job is JobRecord {
  return job !== undefined && job.attempt === attempt && (job.state === JobStates.scheduled || job.state === JobStates.running);
}

/** What a cancelled attempt may still write: what its command left, and the record of it. */
export const AFTER_CANCEL_TARGETS: ReadonlySet<WorkerWriteTarget['kind']> = new Set(['output', 'result']);

/**
 * Whether `attempt` is the attempt a cancel ended less than `windowMs` ago (its stop grace and a
 * margin). Its worker stops the command and then stores the outputs during that grace; after
 * it, the launcher has killed the worker, so a write then is not a real worker's and is refused.
 */
export function isCancelledAttempt(job: JobRecord | undefined, attempt: number, nowMs: number, windowMs: number): job is JobRecord {
  if (job === undefined || job.attempt !== attempt || job.state !== JobStates.cancelled || !job.finishedAt) return false;
  const since = nowMs - Date.parse(job.finishedAt);
  return since >= 0 && since <= windowMs;
}

/**
 * What the job's parameters and input name: the only other things its worker may read. A list
 * parameter names an id as an entry or as the value of a `NAME=id` entry (a run job's `inputs`).
 */
function names(job: JobRecord, id: string): boolean {
  const named = (value: unknown) => value === id || (typeof value === 'string' && value.endsWith(`=${id}`));
  return Object.values(job.params).some((value) => named(value) || (Array.isArray(value) && value.some(named))) || (job.input.source === 'object' && job.input.artifactId === id);
}

const sameOwner = (job: JobRecord, team: string) => isTutor(job) || job.team === team;

/**
 * The Object Store name a worker's read resolves to, or why it may not read it. `artifact` and
 * `other` are the records the source names, looked up by the caller (undefined when missing).
 */
export function readAccess(job: JobRecord, source: WorkerReadSource, found: { artifact?: ArtifactRecord; other?: JobRecord } = {}): Access {
  switch (source.kind) {
    case 'input':
      return job.input.source === 'object' ? { ok: true, object: job.input.name } : refuse('not-found', `job ${job.id} has no stored input`);
    case 'checkpoint':
      return { ok: true, object: ObjectNames.checkpoint(job.id) };
    case 'artifact': {
      if (!ARTIFACT_ID_PATTERN.test(source.id)) return refuse('invalid', 'not an artifact id');
      if (!names(job, source.id)) return refuse('denied', `job ${job.id} does not name artifact ${source.id}`);
      if (!found.artifact) return refuse('not-found', `artifact ${source.id} does not exist`);
      if (!sameOwner(job, found.artifact.team)) return refuse('denied', `artifact ${source.id} belongs to another team`);
      return { ok: true, object: ObjectNames.artifact(source.id) };
    }
    case 'job-file': {
      if (!JOB_ID_PATTERN.test(source.jobId) || !OUTPUT_FILE_NAME_PATTERN.test(source.name)) return refuse('invalid', 'not a job id and file name');
      if (!names(job, source.jobId)) return refuse('denied', `job ${job.id} does not name job ${source.jobId}`);
      if (!found.other) return refuse('not-found', `job ${source.jobId} does not exist`);
      if (!sameOwner(job, found.other.team)) return refuse('denied', `job ${source.jobId} belongs to another team`);
      return { ok: true, object: ObjectNames.output(source.jobId, source.name) };
    }
    default:
      return refuse('invalid', 'unknown read source');
  }
}

/** The Object Store name a worker's write goes to: always one of its own job's. */
export function writeAccess(job: JobRecord, target: WorkerWriteTarget): Access {
  switch (target.kind) {
    case 'output':
      return typeof target.name === 'string' && OUTPUT_FILE_NAME_PATTERN.test(target.name)
        ? { ok: true, object: ObjectNames.output(job.id, target.name) }
        : refuse('invalid', 'an output file needs a plain file name (letters, digits, ".", "_", "-"; at most 128)');
    case 'result':
      return { ok: true, object: ObjectNames.result(job.id) };
    case 'checkpoint':
      return { ok: true, object: ObjectNames.checkpoint(job.id) };
    case 'model':
      return { ok: true, object: ObjectNames.artifact(trainedModelArtifactId(job.id)) };
    default:
      return refuse('invalid', 'unknown write target');
  }
}

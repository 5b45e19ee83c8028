import { type ModelSummary } from './artifacts';

/**
 * The requests a worker makes for its job's data (`workerDataSubject`), answered by the
 * scheduler after checking the job and attempt that the subject names. Bytes travel in the
 * messages' data, in parts of at most `WORKER_DATA_PART_BYTES`; what they are travels in the
 * `WorkerDataHeaders` as JSON.
 */

/** What a worker may read: its own job's input and checkpoint, and what its parameters name. */
export type WorkerReadSource =
  | { kind: 'input' }
  | { kind: 'checkpoint' }
  /** An uploaded artifact (a picture, a model) that the job's parameters or input name. */
  | { kind: 'artifact'; id: string }
  /** A file another job of the same team wrote (a trained model), named by the job's parameters. */
  | { kind: 'job-file'; jobId: string; name: string };

/** What a worker may write: only its own job's objects. */
export type WorkerWriteTarget =
  | { kind: 'output'; name: string; description?: string }
  | { kind: 'result' }
  | { kind: 'checkpoint' }
  /** The model the job trained, stored as a model artifact of the job's team. */
  | { kind: 'model'; model: ModelSummary; sha256: string };

/** A read is opened with its source, then continued with the cursor each reply hands back. */
export type WorkerReadRequest = { open: WorkerReadSource } | { cursor: string };

/** The header of each part of a write: the first opens it, the last (`final`) stores it. */
export type WorkerWriteHeader = ({ open: WorkerWriteTarget } | { cursor: string }) & { final?: boolean };

export interface WorkerWriteReply {
  /** Continue the write with this; absent once the write is stored. */
  cursor?: string;
  /** For `model`: the artifact's id (also when an earlier attempt stored it already). */
  artifactId?: string;
  /** True when the object existed already and the bytes were not needed (a retried attempt's model). */
  alreadyStored?: boolean;
}

export const WorkerDataHeaders = {
  /** On a write part: its `WorkerWriteHeader`. */
  write: 'Gpulab-Write',
  /** On a read reply: the cursor for the next part; absent on the last. */
  cursor: 'Gpulab-Cursor',
  /** On any reply: a `WorkerDataErrorCode`, with the message in `message`. */
  error: 'Gpulab-Error',
  message: 'Gpulab-Message',
} as const;

export type WorkerDataErrorCode =
  /** The attempt is no longer current (cancelled, fenced, lost): the worker must stop. */
  | 'not-current'
  | 'not-found'
  /** The job may not read or write this. */
  | 'denied'
  | 'invalid'
  /**
   * The team's storage has no room for the write; nothing of it is kept. The message names the
   * team's limit. Not retryable: the room comes back only when the team deletes something.
   */
  | 'storage-full'
  /** The store failed; trying again may work. */
  | 'unavailable';

/** Bytes per message, under nats-server's default 1 MiB payload with room for headers. */
export const WORKER_DATA_PART_BYTES = 768 * 1024;
/** The largest object a worker may write. */
export const WORKER_WRITE_MAX_BYTES = 1024 * 1024 * 1024;
/** Reads and writes one attempt may have open at once. */
export const WORKER_DATA_MAX_OPEN = 8;

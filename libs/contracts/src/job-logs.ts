/**
 * A job's output log: what a `run` job's command prints, kept per job in the stream
 * `GPULAB_LOGS` (`Nats.logsStream`), apart from the job's events so that a flood of output
 * never slows down `watch` or the scheduler's reports.
 *
 * A worker publishes batches of lines on `gpulab.logs.<jobId>.<attempt>` (only that attempt's
 * credentials may, see `nats-permissions.ts`); the gateway replays and follows them for the
 * job's team. Every line is stamped where it was read, in order within its attempt (`seq`).
 * Lines are text: invalid UTF-8 is replaced, control characters other than tab are shown
 * escaped, and a line longer than `maxLineBytes` is cut with a marker, so no output breaks a
 * reader.
 */

/** Where a line came from: the command's two streams, or gpulab's own notes (drops, caps). */
export type LogStreamName = 'stdout' | 'stderr' | 'gpulab';

export const LOG_STREAM_NAMES: readonly LogStreamName[] = ['stdout', 'stderr', 'gpulab'];

export interface LogLine {
  /** Milliseconds since the epoch, when the worker read the line. */
  at: number;
  stream: LogStreamName;
  text: string;
}

/** One message on a job's log subject. */
export interface LogBatch {
  jobId: string;
  attempt: number;
  /** The batch's number within its attempt, from 1: a reader sees gaps and order. */
  seq: number;
  lines: LogLine[];
}

/**
 * The bounds on a job's output. Beyond the rates, lines are counted and dropped (a `gpulab`
 * line says how many), never queued without limit and never blocking the command; beyond the
 * total, nothing more is kept for that attempt and a last `gpulab` line says so.
 */
export const LOG_LIMITS = {
  linesPerSecond: 1_000,
  bytesPerSecond: 1024 * 1024,
  totalBytesPerJob: 64 * 1024 * 1024,
  maxLineBytes: 16 * 1024,
  /** A batch is published when it reaches this size or `flushMs` after its first line. */
  maxBatchBytes: 64 * 1024,
  flushMs: 100,
} as const;

/** The subject one attempt's log batches are published on. */
export function jobLogSubject(jobId: string, attempt: number): string {
  return `gpulab.logs.${jobId}.${attempt}`;
}

/** Every attempt's log batches of one job. */
export function jobLogsFilter(jobId: string): string {
  return `gpulab.logs.${jobId}.*`;
}

export const LOGS_WILDCARD = 'gpulab.logs.>';

/**
 * A batch read off the stream, checked field by field: a malformed message yields undefined
 * (and is skipped by readers) rather than an exception in a gateway call.
 */
export function decodeLogBatch(data: Uint8Array): LogBatch | undefined {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.jobId !== 'string' || !isPositiveInt(v.attempt) || !isPositiveInt(v.seq) || !Array.isArray(v.lines)) return undefined;
  const lines: LogLine[] = [];
  for (const l of v.lines as unknown[]) {
    if (typeof l !== 'object' || l === null) return undefined;
    const line = l as Record<string, unknown>;
    if (typeof line.at !== 'number' || !Number.isFinite(line.at) || typeof line.text !== 'string') return undefined;
    if (!LOG_STREAM_NAMES.includes(line.stream as LogStreamName)) return undefined;
    lines.push({ at: line.at, stream: line.stream as LogStreamName, text: line.text });
  }
  return { jobId: v.jobId, attempt: v.attempt as number, seq: v.seq as number, lines };
}

export function encodeLogBatch(batch: LogBatch): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(batch));
}

function isPositiveInt(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}

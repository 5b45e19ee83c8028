import {
  type JobRecord,
  WORKER_DATA_PART_BYTES,
  type WorkerDataErrorCode,
  WorkerDataHeaders,
  type WorkerDataOp,
  workerDataSubject,
  type WorkerReadRequest,
  type WorkerReadSource,
  type WorkerWriteHeader,
  type WorkerWriteReply,
  type WorkerWriteTarget,
} from '@gpulab/contracts';
import { headers, type Msg, type NatsConnection, RequestError } from '@nats-io/transport-node';

/** A refusal or failure of a worker's data request; `retryable` when trying again may work. */
export class WorkerDataError extends Error {
  readonly retryable: boolean;

  constructor(
    readonly code: WorkerDataErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WorkerDataError';
    this.retryable = code === 'unavailable';
  }
}

/**
 * A worker's side of the data requests (`worker-data.ts`): its job's record, reads of what it
 * may read and writes of its own objects, in parts, through the scheduler.
 */
export class WorkerDataClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly jobId: string,
    private readonly attempt: number,
    private readonly timeoutMs = 30_000,
  ) {}

  async job(): Promise<JobRecord> {
    return (await this.request('job', '{}')).json<JobRecord>();
  }

  /** The whole object, or undefined when it is not stored. */
  async read(source: WorkerReadSource): Promise<Uint8Array | undefined> {
    const parts: Uint8Array[] = [];
    let request: WorkerReadRequest = { open: source };
    for (;;) {
      let reply: Msg;
      try {
        reply = await this.request('read', JSON.stringify(request));
      } catch (error) {
        if (error instanceof WorkerDataError && error.code === 'not-found' && 'open' in request) return undefined;
        throw error;
      }
      parts.push(reply.data);
      const cursor = reply.headers?.get(WorkerDataHeaders.cursor);
      if (!cursor) return joined(parts);
      request = { cursor };
    }
  }

  /** Stores `bytes` as `target`; for a model, resolves with its artifact's id. */
  async write(target: WorkerWriteTarget, bytes: Uint8Array): Promise<WorkerWriteReply> {
    let header: WorkerWriteHeader = { open: target };
    let offset = 0;
    for (;;) {
      const end = Math.min(offset + WORKER_DATA_PART_BYTES, bytes.byteLength);
      const final = end === bytes.byteLength;
      const h = headers();
      h.set(WorkerDataHeaders.write, JSON.stringify({ ...header, ...(final ? { final } : {}) }));
      const reply = (await this.request('write', bytes.subarray(offset, end), h)).json<WorkerWriteReply>();
      if (final || reply.alreadyStored || !reply.cursor) return reply;
      header = { cursor: reply.cursor };
      offset = end;
    }
  }

  private async request(op: WorkerDataOp, data: string | Uint8Array, h?: ReturnType<typeof headers>): Promise<Msg> {
    const deadline = Date.now() + this.timeoutMs;
    let reply: Msg;
    for (let waitMs = 250; ; waitMs = Math.min(waitMs * 2, 2000)) {
      try {
        reply = await this.nc.request(workerDataSubject(this.jobId, this.attempt, op), data, { timeout: Math.max(deadline - Date.now(), 1000), ...(h ? { headers: h } : {}) });
        break;
      } catch (error) {
        // No scheduler serves data right now (one restarting, a standby taking over): the request
        // reached no one, so asking again, until the deadline, is safe.
        if (error instanceof RequestError && error.isNoResponders() && Date.now() + waitMs < deadline) {
          await new Promise((r) => setTimeout(r, waitMs));
          continue;
        }
        throw new WorkerDataError('unavailable', `the scheduler did not answer the job's data request (${(error as Error).message})`);
      }
    }
    const code = reply.headers?.get(WorkerDataHeaders.error);
    if (code) throw new WorkerDataError(code as WorkerDataErrorCode, reply.headers?.get(WorkerDataHeaders.message) || code);
    return reply;
  }
}

/**
 * The parts as one plain Uint8Array of its own (not a Buffer: `Buffer#slice` shares memory, and
 * decoders that slice then take `.buffer` would read the wrong bytes).
 */
function joined(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

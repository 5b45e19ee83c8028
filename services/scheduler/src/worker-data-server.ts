import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import {
  type ArtifactRecord,
  ArtifactKeys,
  attemptOfSubject,
  type JobRecord,
  JobStates,
  ObjectMetadata,
  ObjectNames,
  trainedModelArtifactId,
  WORKER_DATA_MAX_OPEN,
  WORKER_DATA_PART_BYTES,
  WORKER_DATA_WILDCARD,
  WORKER_WRITE_MAX_BYTES,
  type WorkerDataErrorCode,
  WorkerDataHeaders,
  WorkerDataOps,
  type WorkerReadRequest,
  type WorkerWriteHeader,
  type WorkerWriteReply,
  type WorkerWriteTarget,
} from '@gpulab/contracts';
import { type JetStreamResources } from '@gpulab/platform';
import { headers, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { type Clock } from './clock';
import { type SchedulerConfig } from './config';
import { RevisionConflictError } from './errors';
import { JobStore } from './job-store';
import { type StorageHold, StorageFullError, type StoredObjectInfo, TeamStorageRoom } from './team-storage-room';
import { CLOCK, JETSTREAM, NATS, SCHEDULER_CONFIG } from './tokens';
import { type Access, AFTER_CANCEL_TARGETS, isCancelledAttempt, isCurrentAttempt, readAccess, writeAccess } from './worker-data-access';

/** An open read or write that sees no request for this long is dropped. */
const IDLE_MS = 60_000;

/** Beyond the stop grace, how long a cancelled attempt's writes are still taken: its last file may be under way when the grace ends. */
const AFTER_CANCEL_MARGIN_MS = 10_000;

/** What a job writes that counts against its team's storage and so is checked as it arrives. */
const CHECKED_WRITES: ReadonlySet<WorkerWriteTarget['kind']> = new Set(['output', 'checkpoint']);

class DataError extends Error {
  constructor(
    readonly code: WorkerDataErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface Session {
  jobId: string;
  attempt: number;
  idle?: NodeJS.Timeout;
  close(reason: string): void;
}

interface ReadSession extends Session {
  reader: ReadableStreamDefaultReader<Uint8Array>;
  /** Bytes read from the store but not yet sent. */
  pending?: Uint8Array;
}

interface WriteSession extends Session {
  target: WorkerWriteTarget;
  controller: ReadableStreamDefaultController<Uint8Array>;
  stored: Promise<StoredObjectInfo>;
  bytes: number;
  /** Its bytes held of the team's storage, for the writes that count against it. */
  hold?: StorageHold;
  /** Resolves when the store wants more bytes: a write goes no faster than the store takes it. */
  demand: () => Promise<void>;
}

/**
 * Workers' only way to stored data: each request's subject names the job and attempt, which
 * nats-server lets only that attempt's credentials publish on, and the answer depends on the
 * job's record here, never on what the request claims. A worker reads its own input and
 * checkpoint and what its parameters name (of its own team), and writes only its own job's
 * objects; an attempt that is no longer current is told so, and stops. The one exception is
 * the attempt a cancel ended: during its stop grace it may still store its outputs and the
 * record of them, which is then kept on the job, so a cancelled job's files can be downloaded.
 */
@Injectable()
export class WorkerDataServer {
  private subscription?: Subscription;
  private readonly sessions = new Map<string, ReadSession | WriteSession>();

  constructor(
    @InjectPinoLogger(WorkerDataServer.name) private readonly log: PinoLogger,
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(JETSTREAM) private readonly resources: JetStreamResources,
    private readonly jobs: JobStore,
    private readonly room: TeamStorageRoom,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async start(): Promise<void> {
    await this.room.start();
    this.subscription = this.nc.subscribe(WORKER_DATA_WILDCARD, { callback: (err, msg) => void (err ? undefined : this.handle(msg)) });
    await this.nc.flush();
  }

  close(): void {
    this.subscription?.unsubscribe();
    for (const session of this.sessions.values()) session.close('the scheduler is stopping');
    this.sessions.clear();
    this.room.close();
  }

  private async handle(msg: Msg): Promise<void> {
    const who = attemptOfSubject(msg.subject);
    const op = msg.subject.split('.')[4];
    try {
      if (!who) throw new DataError('invalid', 'the subject names no job attempt');
      const job = this.jobs.get(who.jobId);
      const current = isCurrentAttempt(job, who.attempt);
      const cancelled = !current && op === WorkerDataOps.write && isCancelledAttempt(job, who.attempt, this.clock.now().getTime(), this.config.stopGraceMs + AFTER_CANCEL_MARGIN_MS);
      if (!job || (!current && !cancelled)) throw new DataError('not-current', `attempt ${who.attempt} of job ${who.jobId} is no longer current`);
      switch (op) {
        case WorkerDataOps.job:
          msg.respond(JSON.stringify(job));
          return;
        case WorkerDataOps.read:
          await this.read(msg, job, parseJson<WorkerReadRequest>(msg.string()));
          return;
        case WorkerDataOps.write:
          msg.respond(JSON.stringify(await this.write(msg, job, current)));
          return;
        default:
          throw new DataError('invalid', `unknown request ${op}`);
      }
    } catch (error) {
      const known = error instanceof DataError ? error : new DataError('unavailable', 'the store could not carry out the request; try again');
      if (known.code === 'denied' || known.code === 'invalid') {
        this.log.warn({ subject: msg.subject, code: known.code, reason: known.message }, 'worker data request refused');
      } else if (!(error instanceof DataError)) {
        this.log.error({ err: error, subject: msg.subject }, 'worker data request failed');
      }
      const h = headers();
      h.set(WorkerDataHeaders.error, known.code);
      h.set(WorkerDataHeaders.message, known.message.slice(0, 300));
      msg.respond(new Uint8Array(), { headers: h });
    }
  }

  private async read(msg: Msg, job: JobRecord, request: WorkerReadRequest): Promise<void> {
    const session = 'cursor' in request ? this.session<ReadSession>(request.cursor, job, 'reader') : await this.openRead(job, request);
    const part = await nextPart(session);
    const h = headers();
    if (part.more) h.set(WorkerDataHeaders.cursor, this.keep(session));
    else this.drop(session);
    msg.respond(part.bytes, { headers: h });
  }

  private async openRead(job: JobRecord, request: Extract<WorkerReadRequest, { open: unknown }>): Promise<ReadSession> {
    const source = request.open;
    const found: { artifact?: ArtifactRecord; other?: JobRecord } = {};
    if (source?.kind === 'artifact' && typeof source.id === 'string') {
      const entry = await this.resources.artifactIndex.get(ArtifactKeys.artifact(source.id)).catch(() => null);
      found.artifact = entry?.operation === 'PUT' ? entry.json<ArtifactRecord>() : undefined;
    }
    if (source?.kind === 'job-file' && typeof source.jobId === 'string') found.other = this.jobs.get(source.jobId);
    const object = granted(readAccess(job, source, found));
    const result = await this.resources.artifacts.get(object);
    if (!result) throw new DataError('not-found', `${describe(source.kind)} of job ${job.id} is not stored`);
    this.checkOpen(job);
    const reader = result.data.getReader();
    const session: ReadSession = { jobId: job.id, attempt: job.attempt, reader, close: () => void reader.cancel().catch(() => undefined) };
    return session;
  }

  /** `current`: false for the attempt a cancel ended, which may store only its outputs and their record. */
  private async write(msg: Msg, job: JobRecord, current: boolean): Promise<WorkerWriteReply> {
    const header = parseJson<WorkerWriteHeader>(msg.headers?.get(WorkerDataHeaders.write) ?? '');
    if (!current && 'open' in header && !AFTER_CANCEL_TARGETS.has(header.open?.kind)) {
      throw new DataError('not-current', `attempt ${job.attempt} of job ${job.id} was cancelled: it may store only its outputs`);
    }
    const opened = 'open' in header ? await this.openWrite(job, header.open) : undefined;
    if (opened && 'reply' in opened) return opened.reply;
    const session = opened?.session ?? this.session<WriteSession>((header as { cursor: string }).cursor, job, 'controller');
    session.bytes += msg.data.byteLength;
    if (session.bytes > WORKER_WRITE_MAX_BYTES) {
      this.drop(session, 'too large');
      throw new DataError('invalid', `a job may write at most ${WORKER_WRITE_MAX_BYTES / 2 ** 20} MiB per file`);
    }
    try {
      session.hold?.grow(msg.data.byteLength);
    } catch (error) {
      if (!(error instanceof StorageFullError)) throw error;
      // Dropped whole: a file cut at the limit would pass for the file.
      this.drop(session, 'storage full');
      this.log.info({ jobId: job.id, team: job.team, target: session.target.kind, limitBytes: error.limitBytes }, 'job write refused: team storage full');
      throw new DataError('storage-full', error.message);
    }
    // A copy: the message's bytes may be a view into the connection's read buffer.
    if (msg.data.byteLength > 0) session.controller.enqueue(msg.data.slice());
    if (!header.final) {
      await session.demand();
      return { cursor: this.keep(session) };
    }
    this.sessions.forEach((s, key) => s === session && this.sessions.delete(key));
    clearTimeout(session.idle);
    session.controller.close();
    const info = await session.stored.catch((error: unknown) => {
      session.hold?.release();
      throw new DataError('unavailable', `the file could not be stored: ${(error as Error).message}`);
    });
    session.hold?.stored(info);
    if (!current && session.target.kind === 'result') await this.keepCancelledResult(job.id, job.attempt);
    if (session.target.kind !== 'model') return {};
    return { artifactId: await this.recordModel(job, session.target, session.bytes) };
  }

  private async openWrite(job: JobRecord, target: WorkerWriteTarget): Promise<{ session: WriteSession } | { reply: WorkerWriteReply }> {
    const object = granted(writeAccess(job, target));
    if (target.kind === 'model') {
      if (!/^[0-9a-f]{64}$/.test(String(target.sha256))) throw new DataError('invalid', "a model's sha256 must be 64 hex digits");
      const id = trainedModelArtifactId(job.id);
      // A retried attempt trains the same model again; the first one stored stays.
      if ((await this.resources.artifactIndex.get(ArtifactKeys.artifact(id)))?.operation === 'PUT') return { reply: { artifactId: id, alreadyStored: true } };
    }
    this.checkOpen(job);
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let wanted: (() => void) | undefined;
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (c) => void (controller = c),
        pull: () => {
          wanted?.();
          wanted = undefined;
        },
      },
      { highWaterMark: 4 },
    );
    const description = target.kind === 'output' && typeof target.description === 'string' ? target.description.slice(0, 200) : `${target.kind} of ${job.id}, attempt ${job.attempt}`;
    // The team's storage counts what its jobs write: the gateway's ledger reads the team from here.
    const stored = this.resources.artifacts.put({ name: object, description, metadata: { [ObjectMetadata.team]: job.team } }, stream);
    stored.catch(() => undefined);
    const hold = CHECKED_WRITES.has(target.kind) ? this.room.hold(job.team, object) : undefined;
    const session: WriteSession = {
      jobId: job.id,
      attempt: job.attempt,
      target,
      controller,
      stored,
      bytes: 0,
      hold,
      demand: () => ((controller.desiredSize ?? 1) > 0 ? Promise.resolve() : new Promise<void>((r) => (wanted = r))),
      close: (reason) => {
        hold?.release();
        controller.error(new Error(reason));
      },
    };
    return { session };
  }

  /**
   * A cancelled job's record names the files its attempt stored after the cancel, as a failed
   * job's does. Only this attempt's record, still cancelled, is changed; a conflicting write
   * (outputs deleted meanwhile) is decided again on the fresh record.
   */
  private async keepCancelledResult(jobId: string, attempt: number): Promise<void> {
    const resultRef = ObjectNames.result(jobId);
    const keep = (j: JobRecord) => (j.state === JobStates.cancelled && j.attempt === attempt && !j.outputsDeleted && j.resultRef !== resultRef ? { ...j, resultRef } : j);
    for (let tries = 0; ; tries++) {
      const stored = this.jobs.get(jobId);
      if (!stored || keep(stored) === stored) return;
      try {
        await this.jobs.update(jobId, keep);
        this.log.info({ jobId, attempt }, "a cancelled job's files are stored");
        return;
      } catch (error) {
        if (!(error instanceof RevisionConflictError) || tries >= 2) throw error;
      }
    }
  }

  /** The model's record, written by the scheduler from the job's own record: the worker names nothing but the model. */
  private async recordModel(job: JobRecord, target: Extract<WorkerWriteTarget, { kind: 'model' }>, bytes: number): Promise<string> {
    const id = trainedModelArtifactId(job.id);
    const model = target.model;
    const record: ArtifactRecord = {
      id,
      team: job.team,
      createdBy: job.submittedBy,
      kind: 'model',
      filename: 'model.json',
      format: 'tfjs-model',
      rows: 0,
      cols: 0,
      labeled: false,
      classNames: [],
      model: {
        inputShape: Array.isArray(model?.inputShape) ? model.inputShape.slice(0, 8).map(Number) : [],
        classes: Number(model?.classes) || 0,
        layers: Array.isArray(model?.layers) ? model.layers.slice(0, 1000).map((l) => String(l).slice(0, 100)) : [],
        parameters: Number(model?.parameters) || 0,
      },
      weightsFilename: 'weights.bin',
      sourceJob: job.id,
      storedBytes: bytes,
      sha256: target.sha256,
      createdAt: new Date().toISOString(),
    };
    try {
      await this.resources.artifactIndex.create(ArtifactKeys.artifact(id), JSON.stringify(record));
    } catch (error) {
      if ((await this.resources.artifactIndex.get(ArtifactKeys.artifact(id)).catch(() => null))?.operation !== 'PUT') throw error;
    }
    return id;
  }

  private session<T extends ReadSession | WriteSession>(cursor: unknown, job: JobRecord, field: 'reader' | 'controller'): T {
    const session = typeof cursor === 'string' ? this.sessions.get(cursor) : undefined;
    // A cursor is a random secret, and also bound to its attempt: another attempt's is unknown here.
    if (!session || session.jobId !== job.id || session.attempt !== job.attempt || !(field in session)) {
      throw new DataError('not-found', 'no such read or write in progress (it may have been idle for over a minute)');
    }
    this.sessions.delete(cursor as string);
    clearTimeout(session.idle);
    return session as T;
  }

  private keep(session: ReadSession | WriteSession): string {
    const cursor = randomBytes(16).toString('base64url');
    clearTimeout(session.idle);
    session.idle = setTimeout(() => this.drop(session, 'idle'), IDLE_MS);
    session.idle.unref();
    this.sessions.set(cursor, session);
    return cursor;
  }

  private drop(session: ReadSession | WriteSession, reason = 'done'): void {
    clearTimeout(session.idle);
    this.sessions.forEach((s, key) => s === session && this.sessions.delete(key));
    if (reason !== 'done') session.close(reason);
  }

  private checkOpen(job: JobRecord): void {
    let open = 0;
    for (const s of this.sessions.values()) if (s.jobId === job.id) open += 1;
    if (open >= WORKER_DATA_MAX_OPEN) throw new DataError('invalid', `a job may have at most ${WORKER_DATA_MAX_OPEN} reads and writes open at once`);
  }
}

function granted(access: Access): string {
  if (!access.ok) throw new DataError(access.code, access.message);
  return access.object;
}

function parseJson<T>(text: string): T {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object') return value as T;
  } catch {
    // Falls through to the refusal below.
  }
  throw new DataError('invalid', 'the request is not a JSON object');
}

function describe(kind: string): string {
  return kind === 'job-file' ? 'the file' : `the ${kind}`;
}

/** Up to one part of bytes from the store, and whether more follow. */
async function nextPart(session: ReadSession): Promise<{ bytes: Uint8Array; more: boolean }> {
  const chunks: Uint8Array[] = session.pending ? [session.pending] : [];
  let size = session.pending?.byteLength ?? 0;
  session.pending = undefined;
  while (size < WORKER_DATA_PART_BYTES) {
    const { done, value } = await session.reader.read();
    if (done) return { bytes: concat(chunks, size), more: false };
    chunks.push(value);
    size += value.byteLength;
  }
  const all = concat(chunks, size);
  session.pending = all.subarray(WORKER_DATA_PART_BYTES);
  return { bytes: all.subarray(0, WORKER_DATA_PART_BYTES), more: true };
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

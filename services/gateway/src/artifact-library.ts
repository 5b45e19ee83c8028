import { createHash } from 'node:crypto';
import {
  ARTIFACT_ID_PATTERN,
  type ArtifactRecord,
  type Caller,
  artifactKindOf,
  DATA_FORMATS,
  type DataFormatName,
  DataFormats,
  ArtifactKeys,
  encodeMatrixParts,
  encodeModelBundle,
  storageUsedBytes,
  LABELS_FORMATS,
  ErrorCodes,
  ErrorReasons,
  type FinishProgressView,
  type JobRecord,
  quoteInput,
  type StorageUsageView,
  TUTORS_TEAM,
  type UploadFileName,
  uploadFiles,
  type UploadFileRecord,
  UPLOAD_ID_PATTERN,
  type UploadRecord,
} from '@gpulab/contracts';
import { ComputeError } from '@gpulab/compute';
import { type ArtifactStore, MissingPartError } from './artifact-store';
import { type Clock, systemClock } from './clock';
import { GatewayError } from './errors';
import { FinishProgressBoard, type FinishTracker } from './finish-progress';
import { HeavyWorkGate } from './heavy-work-gate';
import { KeyedLock } from './keyed-lock';
import { randomBase32, type RandomId } from './random-id';
import { recordKey, type StorageIndex } from './storage-ledger';
import { type ParsedUpload, type UploadParser, type UploadSource } from './upload-parser';

export interface ArtifactLibraryOptions {
  /**
   * Bytes a team may store: artifacts, the declared sizes of its uploads in progress, its jobs'
   * inline inputs and what its jobs wrote.
   */
  teamStorageBytes: number;
  /** Each team's storage, kept up to date; the same one the store notes its writes in. */
  ledger: StorageIndex;
  /** Admits finishing uploads a few at a time. @default 2 at once, 16 waiting */
  gate?: HeavyWorkGate;
  /** Bytes per upload chunk. */
  chunkBytes: number;
  /** An upload that receives nothing for this long is deleted. */
  uploadExpiryMs: number;
  /** Where each FinishUpload under way is (GetUploadProgress). @default a board on the library's clock */
  progress?: FinishProgressBoard;
}

/** Declared file of a new upload, as the caller sent it. */
export interface UploadFileRequest {
  filename: string;
  format: DataFormatName | undefined;
  sizeBytes: number;
  sha256: string;
}

export interface NewUploadRequest {
  data: UploadFileRequest | undefined;
  labels: UploadFileRequest | undefined;
  weights?: UploadFileRequest | undefined;
  labelColumn: string;
}

/** An upload a WriteUpload stream writes to, with the revision its record was last seen at. */
export interface UploadWrite {
  upload: UploadRecord;
  revision: number;
}

/** Finds the unfinished jobs that read an artifact, so that it is not deleted under them. */
export type ArtifactReaders = (artifactId: string) => Promise<Pick<JobRecord, 'id' | 'state'>[]>;

/**
 * A CSV is read chunk by chunk, but NPY, IDX, pictures and models are read whole, and a binary
 * file of this size plus its matrix is what one upload may hold of the gateway's memory.
 */
export const MAX_UPLOAD_FILE_BYTES = 512 * 1024 * 1024 - 1024;
const MB = 1024 * 1024;
const SHA256_HEX = /^[0-9a-f]{64}$/;
/** An artifact matrix object older than this without its record is left over from a crash. */
const ORPHAN_GRACE_MS = 3600_000;
/** Compare-and-set retries of one chunk's record update before giving up. */
const WRITE_RETRIES = 5;

/**
 * The rules of uploads and artifacts: who may see what, the per-team storage limit, chunk order,
 * checksums, expiry, and that a failed finish leaves nothing behind. `ArtifactStore` keeps the
 * records and bytes; the gRPC edge maps requests and answers.
 */
export class ArtifactLibrary {
  private readonly teamLock = new KeyedLock();
  /** A few finishes parse at a time: each holds a data set in memory. */
  private readonly gate: HeavyWorkGate;
  private readonly progress: FinishProgressBoard;

  constructor(
    private readonly store: ArtifactStore,
    private readonly parse: UploadParser,
    private readonly readers: ArtifactReaders,
    private readonly options: ArtifactLibraryOptions,
    private readonly clock: Clock = systemClock,
    private readonly randomId: RandomId = randomBase32,
  ) {
    this.gate = options.gate ?? new HeavyWorkGate({ concurrency: 2, maxWaiting: 16 });
    this.progress = options.progress ?? new FinishProgressBoard(clock);
  }

  async createUpload(caller: Caller, request: NewUploadRequest): Promise<UploadRecord> {
    const data = checkFile(request.data, 'data');
    const labels = request.labels ? checkFile(request.labels, 'labels') : undefined;
    // A model's weights have one format; a client that leaves it out means that one.
    const weights = request.weights ? checkFile({ ...request.weights, format: request.weights.format ?? DataFormats.tfjsWeights }, 'weights') : undefined;
    const labelColumn = request.labelColumn.trim() || undefined;
    const kind = artifactKindOf(data.format);
    if (!kind) {
      throw invalid(`${data.filename}: ${data.format} is the format of a model's weights file; upload the model's model.json (format tfjs-model) with this file as its weights`);
    }
    if (labelColumn !== undefined && data.format !== 'csv') {
      throw invalid(`${data.filename}: a label column is for CSV files; ${data.format} data takes its labels in a second file (labels)`);
    }
    if (labels && data.format === 'csv') {
      throw invalid(`${data.filename}: a CSV keeps its labels in one of its columns; name it with label_column instead of sending a labels file`);
    }
    if (labels && kind !== 'dataset') throw invalid(`${data.filename}: a ${kind === 'image' ? 'picture' : 'model'} takes no labels file`);
    if (labels && !LABELS_FORMATS.includes(labels.format)) throw invalid(`${labels.filename}: a labels file is ${LABELS_FORMATS.join(', ')}, not ${labels.format}`);
    if (kind === 'model' && !weights) throw invalid(`${data.filename}: a model needs its weights file too (the files model.json's weightsManifest lists, one after the other)`);
    if (weights && kind !== 'model') throw invalid(`${data.filename}: only a model (model.json, format tfjs-model) comes with a weights file`);
    if (weights && weights.format !== DataFormats.tfjsWeights) throw invalid(`${weights.filename}: a model's weights file has the format tfjs-weights, not ${weights.format}`);
    if (labelColumn !== undefined && labelColumn.length > 200) throw invalid('label_column is longer than 200 characters');
    const team = teamOf(caller);
    const now = this.clock.now();
    const upload: UploadRecord = {
      id: `up-${this.randomId()}`,
      team,
      createdBy: caller.name,
      chunkSize: this.options.chunkBytes,
      data,
      labels,
      weights,
      labelColumn,
      createdAt: new Date(now).toISOString(),
      updatedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.options.uploadExpiryMs).toISOString(),
    };
    const declared = declaredBytes(upload);
    return this.teamLock.run(team, async () => {
      const usage = await this.usage(team);
      if (storageUsedBytes(usage) + declared > usage.limitBytes) {
        throw overLimit(usage, `${describeFiles(upload)} need${uploadFiles(upload).length > 1 ? '' : 's'} ${mb(declared)}`);
      }
      await this.store.createUpload(upload);
      return upload;
    });
  }

  /** The team whose storage the caller's uploads and jobs count against. */
  teamOf(caller: Caller): string {
    return teamOf(caller);
  }

  /**
   * Runs `store` when `bytes` more fit the team's free space, under the team's lock, so two
   * requests cannot both pass with room for one; otherwise RESOURCE_EXHAUSTED saying `need`.
   */
  async withRoom<T>(team: string, bytes: number, need: string, store: () => Promise<T>): Promise<T> {
    return this.teamLock.run(team, async () => {
      const usage = await this.usage(team);
      if (storageUsedBytes(usage) + bytes > usage.limitBytes) throw overLimit(usage, need);
      return store();
    });
  }

  async getUpload(caller: Caller, uploadId: string): Promise<UploadRecord> {
    return (await this.openUpload(caller, uploadId)).upload;
  }

  /** The upload a WriteUpload stream goes on with; checked once per stream. */
  async openUpload(caller: Caller, uploadId: string): Promise<UploadWrite> {
    const id = checkUploadId(uploadId);
    const found = await this.store.getUpload(id);
    if (!found || (await this.expiredAndDeleted(found.record))) throw this.uploadNotFound(id);
    if (!canRead(caller, found.record.team)) throw new GatewayError(ErrorCodes.permissionDenied, `upload ${id} belongs to another team`, { reason: ErrorReasons.otherTeam, metadata: { upload: id } });
    return { upload: found.record, revision: found.revision };
  }

  /**
   * Stores one chunk and counts it. Chunks come in order, `chunkSize` bytes each but a file's
   * last; a chunk that has arrived already (sent again after a broken stream) is accepted and
   * ignored, so a client may always go on from what GetUpload said.
   */
  async writeChunk(write: UploadWrite, file: UploadFileName, offset: number, data: Uint8Array): Promise<void> {
    const spec = fileOf(write.upload, file);
    if (!spec) throw invalid(`upload ${write.upload.id} has no ${file} file; send its files' chunks as ${uploadFiles(write.upload).map(([f]) => f.toUpperCase()).join(' and ')}`);
    const { chunkSize } = write.upload;
    const end = offset + data.byteLength;
    if (data.byteLength === 0) throw invalid(`the chunk at byte ${offset} of ${spec.filename} is empty`);
    if (offset % chunkSize !== 0) throw invalid(`offset ${offset} of ${spec.filename} is not a multiple of the chunk size ${chunkSize}`);
    if (end > spec.sizeBytes) {
      throw invalid(`the chunk at byte ${offset} of ${spec.filename} ends at byte ${end}, past the declared size of ${spec.sizeBytes} bytes`);
    }
    if (data.byteLength !== chunkSize && end !== spec.sizeBytes) {
      throw invalid(`the chunk at byte ${offset} of ${spec.filename} has ${data.byteLength} bytes; every chunk but the file's last must have ${chunkSize}`);
    }
    for (let attempt = 0; ; attempt++) {
      const current = fileOf(write.upload, file) as UploadFileRecord;
      if (end <= current.receivedBytes) return;
      if (offset > current.receivedBytes) {
        throw new GatewayError(
          ErrorCodes.failedPrecondition,
          `${spec.filename}: a chunk at byte ${offset}, but only ${current.receivedBytes} bytes have arrived; go on from byte ${current.receivedBytes}`,
          { reason: ErrorReasons.uploadIncomplete },
        );
      }
      await this.store.putPart(write.upload, file, offset, data);
      const now = this.clock.now();
      const next: UploadRecord = {
        ...write.upload,
        [file]: { ...current, receivedBytes: end },
        updatedAt: new Date(now).toISOString(),
        expiresAt: new Date(now + this.options.uploadExpiryMs).toISOString(),
      };
      try {
        write.revision = await this.store.updateUpload(next, write.revision);
        write.upload = next;
        return;
      } catch (error) {
        // Another stream (a resumed client, a repeated chunk) changed the record: read it again.
        const fresh = await this.store.getUpload(write.upload.id);
        if (!fresh) {
          // Cancelled or expired meanwhile; the chunk just stored would be nobody's.
          await this.store.deletePart(write.upload, file, offset).catch(() => undefined);
          throw this.uploadNotFound(write.upload.id);
        }
        if (fresh.revision === write.revision || attempt >= WRITE_RETRIES) throw error;
        write.upload = fresh.record;
        write.revision = fresh.revision;
      }
    }
  }

  /**
   * Checks the checksums, parses, and stores the artifact. The caller's mistakes (checksum,
   * format, labels, storage limit) end the upload: its chunks are deleted and nothing is stored.
   * An upload with bytes missing stays, so the client can send them. Finishing the same upload
   * again after a lost answer returns the artifact made the first time.
   */
  async finishUpload(caller: Caller, uploadId: string): Promise<ArtifactRecord> {
    const id = checkUploadId(uploadId);
    const artifactId = artifactIdOf(id);
    const found = await this.store.getUpload(id);
    if (!found || (await this.expiredAndDeleted(found.record))) {
      const made = await this.store.getArtifact(artifactId);
      if (made && canRead(caller, made.team)) return made;
      throw this.uploadNotFound(id);
    }
    const upload = found.record;
    if (!canRead(caller, upload.team)) throw new GatewayError(ErrorCodes.permissionDenied, `upload ${id} belongs to another team`, { reason: ErrorReasons.otherTeam, metadata: { upload: id } });
    for (const [, spec] of uploadFiles(upload)) {
      if (spec.receivedBytes < spec.sizeBytes) {
        throw new GatewayError(
          ErrorCodes.failedPrecondition,
          `${spec.filename}: ${spec.receivedBytes} of ${spec.sizeBytes} bytes have arrived; send the rest (from byte ${spec.receivedBytes}) before finishing`,
          { reason: ErrorReasons.uploadIncomplete },
        );
      }
    }
    const tracker = this.progress.begin({ uploadId: upload.id, team: upload.team, totalBytes: upload.data.sizeBytes });
    try {
      const artifact = await this.gate.run(upload.team, () => this.parseAndStore(upload, artifactId, tracker));
      tracker.done(artifact.id);
      return artifact;
    } catch (error) {
      tracker.failed();
      throw error;
    }
  }

  /**
   * Where the caller's finish of `uploadId` is (tutors: anyone's): while FinishUpload works on
   * it and for a few seconds after it answered. NOT_FOUND when no finish of it is followed.
   */
  finishProgress(caller: Caller, uploadId: string): FinishProgressView {
    const id = checkUploadId(uploadId);
    const progress = this.progress.get(id);
    if (!progress) {
      throw new GatewayError(ErrorCodes.notFound, `upload ${id} is not being finished: no FinishUpload of it is under way or ended in the last few seconds`, {
        reason: ErrorReasons.uploadNotFound,
        metadata: { upload: id },
      });
    }
    if (!canRead(caller, progress.team)) throw new GatewayError(ErrorCodes.permissionDenied, `upload ${id} belongs to another team`, { reason: ErrorReasons.otherTeam, metadata: { upload: id } });
    return progress;
  }

  private async parseAndStore(upload: UploadRecord, artifactId: string, tracker: FinishTracker): Promise<ArtifactRecord> {
    const parsed = await this.endOnCallerError(upload, () => this.parse(this.sourceOf(upload, tracker)));
    tracker.phase('storing');
    const { parts, fields, takes } = storedForm(parsed);
    const size = parts.reduce((sum, p) => sum + p.byteLength, 0);
    return this.teamLock.run(upload.team, async () => {
      const usage = await this.usage(upload.team, upload.id);
      if (storageUsedBytes(usage) + size > usage.limitBytes) {
        await this.store.deleteUpload(upload);
        throw overLimit(usage, `${upload.data.filename} takes ${mb(size)} stored (${takes}); the upload was deleted`);
      }
      const record: ArtifactRecord = {
        id: artifactId,
        team: upload.team,
        createdBy: upload.createdBy,
        filename: upload.data.filename,
        format: upload.data.format,
        ...fields,
        storedBytes: size,
        sha256: upload.data.sha256,
        ...(upload.labels ? { labelsFilename: upload.labels.filename } : {}),
        ...(upload.weights ? { weightsFilename: upload.weights.filename } : {}),
        createdAt: new Date(this.clock.now()).toISOString(),
      };
      const stored = await this.store.putArtifact(record, parts);
      // The artifact is safe; an upload record left by a failure here only expires later.
      await this.store.deleteUpload(upload).catch(() => undefined);
      return stored;
    });
  }

  async cancelUpload(caller: Caller, uploadId: string): Promise<void> {
    const { upload } = await this.openUpload(caller, uploadId);
    await this.store.deleteUpload(upload);
  }

  async getArtifact(caller: Caller, artifactId: string): Promise<ArtifactRecord> {
    const id = checkArtifactId(artifactId);
    const found = await this.store.getArtifact(id);
    if (!found) throw new GatewayError(ErrorCodes.notFound, `there is no artifact ${id}; "gpulab artifacts" lists your team's`, { reason: ErrorReasons.artifactNotFound, metadata: { artifact: id } });
    if (!canRead(caller, found.team)) throw new GatewayError(ErrorCodes.permissionDenied, `artifact ${id} belongs to another team`, { reason: ErrorReasons.otherTeam, metadata: { artifact: id } });
    return found;
  }

  /** Artifacts and uploads in progress, newest first, and each listed team's storage use. */
  async list(caller: Caller, team: string): Promise<{ artifacts: ArtifactRecord[]; uploads: UploadRecord[]; usage: StorageUsageView[] }> {
    const wanted = team.trim();
    if (caller.role !== 'tutor' && wanted && wanted !== caller.team) {
      throw new GatewayError(ErrorCodes.permissionDenied, `you can list only your own team's artifacts, not team ${wanted}'s`, { reason: ErrorReasons.otherTeam });
    }
    const only = caller.role === 'tutor' ? wanted || undefined : teamOf(caller);
    const uploads = (await this.liveUploads()).filter((u) => only === undefined || u.team === only);
    const artifacts = (await this.store.listArtifacts()).filter((a) => only === undefined || a.team === only);
    const teams = only !== undefined ? [only] : [...new Set([...artifacts.map((a) => a.team), ...uploads.map((u) => u.team), ...this.options.ledger.teams()])].sort();
    const newestFirst = <T extends { createdAt: string }>(a: T, b: T) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0);
    return {
      artifacts: artifacts.sort(newestFirst),
      uploads: uploads.sort(newestFirst),
      usage: await Promise.all(teams.map((t) => this.usage(t))),
    };
  }

  /** Refused while an unfinished job reads the artifact: its worker would find nothing. */
  async deleteArtifact(caller: Caller, artifactId: string): Promise<{ artifact: ArtifactRecord; usage: StorageUsageView }> {
    const artifact = await this.getArtifact(caller, artifactId);
    const readers = await this.readers(artifact.id);
    if (readers.length > 0) {
      const listed = readers.slice(0, 3).map((j) => `${j.id} (${j.state})`).join(', ');
      throw new GatewayError(
        ErrorCodes.failedPrecondition,
        `artifact ${artifact.id} is used by ${readers.length === 1 ? 'job' : `${readers.length} jobs`} ${listed}${readers.length > 3 ? ', …' : ''} that ${readers.length === 1 ? 'has' : 'have'} not ended; cancel them or wait, then delete it`,
      );
    }
    await this.store.deleteArtifact(artifact.id);
    return { artifact, usage: await this.usage(artifact.team) };
  }

  /** A job's input: the artifact when the caller may read it. */
  resolveForJob(caller: Caller, artifactId: string): Promise<ArtifactRecord> {
    return this.getArtifact(caller, artifactId);
  }

  /**
   * Deletes expired uploads with their chunks, and artifact matrices that a crash left without
   * their record. Runs at start and every hour; listings and limit checks also drop the expired
   * uploads they come across.
   */
  async sweep(): Promise<{ uploads: number; orphans: number }> {
    const before = (await this.store.listUploads()).length;
    const live = await this.liveUploads();
    let orphans = 0;
    const now = this.clock.now();
    for (const object of await this.store.listArtifactObjects()) {
      if (now - object.modifiedMs < ORPHAN_GRACE_MS || (await this.store.getArtifact(object.id))) continue;
      await this.store.deleteArtifactObject(object.id);
      orphans++;
    }
    return { uploads: before - live.length, orphans };
  }

  /**
   * One team's storage from the ledger (but `exceptUpload`'s declared size): no listing, only
   * the team's uploads that look expired are read, to delete them first.
   */
  async usage(team: string, exceptUpload?: string): Promise<StorageUsageView> {
    for (const id of this.options.ledger.expiredUploads(team, this.clock.now())) {
      const found = await this.store.getUpload(id);
      if (found) await this.expiredAndDeleted(found.record);
      else this.options.ledger.removed(recordKey(ArtifactKeys.upload(id)));
    }
    return this.options.ledger.usage(team, this.options.teamStorageBytes, exceptUpload === undefined ? undefined : recordKey(ArtifactKeys.upload(exceptUpload)));
  }

  /**
   * Refuses, and deletes the upload, when `bytes` more would not fit the team's free space:
   * asked with the size a matrix will have before it is made.
   */
  private async ensureRoom(upload: UploadRecord, bytes: number, takes: string): Promise<void> {
    const usage = await this.usage(upload.team, upload.id);
    if (storageUsedBytes(usage) + bytes <= usage.limitBytes) return;
    await this.store.deleteUpload(upload);
    throw overLimit(usage, `${upload.data.filename} would take ${mb(bytes)} stored (${takes}); it was refused before being read, and the upload was deleted`);
  }

  private uploadNotFound(id: string): GatewayError {
    const hours = this.options.uploadExpiryMs / 3600_000;
    const quiet = hours >= 1 ? `${Number(hours.toFixed(1))} h` : `${Math.round(this.options.uploadExpiryMs / 1000)} s`;
    return new GatewayError(
      ErrorCodes.notFound,
      `there is no upload ${id}: it was finished or cancelled, or deleted after receiving nothing for ${quiet}; start the upload again`,
      { reason: ErrorReasons.uploadNotFound, metadata: { upload: id } },
    );
  }

  private async liveUploads(): Promise<UploadRecord[]> {
    const live: UploadRecord[] = [];
    for (const found of await this.store.listUploads()) {
      if (!(await this.expiredAndDeleted(found.record))) live.push(found.record);
    }
    return live;
  }

  /** Deletes an expired upload with its chunks (and a matrix a crashed finish may have left). */
  private async expiredAndDeleted(upload: UploadRecord): Promise<boolean> {
    if (Date.parse(upload.expiresAt) > this.clock.now()) return false;
    await this.store.deleteUpload(upload);
    const artifactId = artifactIdOf(upload.id);
    if (!(await this.store.getArtifact(artifactId)) && (await this.store.hasArtifactObject(artifactId))) {
      await this.store.deleteArtifactObject(artifactId);
    }
    return true;
  }

  /** What a parser reads an upload through: its chunks, checked against the declared checksums. */
  /**
   * What a parser reads an upload through: its chunks, checked against the declared checksums.
   * Reads of the data file move `tracker`: a first pass is `checking`, a second `parsing`.
   */
  private sourceOf(upload: UploadRecord, tracker: FinishTracker): UploadSource {
    const store = this.store;
    return {
      upload,
      read: async (file) => {
        if (file === 'data') tracker.phase('checking');
        const bytes = await this.store.readUploadFile(upload, file);
        this.checkSha256(upload, file, createHash('sha256').update(bytes).digest('hex'));
        if (file === 'data') {
          tracker.read(bytes.byteLength);
          // A file read whole is decoded next: a picture or a model.
          tracker.phase('parsing');
        }
        return bytes;
      },
      scan: async (file, each) => {
        if (file === 'data') tracker.phase('checking');
        const hash = createHash('sha256');
        for await (const chunk of this.store.uploadChunks(upload, file)) {
          hash.update(chunk);
          each(chunk);
          if (file === 'data') tracker.read(chunk.byteLength);
        }
        this.checkSha256(upload, file, hash.digest('hex'));
      },
      chunks: (file) => {
        if (file !== 'data') return this.store.uploadChunks(upload, file);
        tracker.phase('parsing');
        return (async function* counted() {
          for await (const chunk of store.uploadChunks(upload, file)) {
            tracker.read(chunk.byteLength);
            yield chunk;
          }
        })();
      },
      counted: (rows) => tracker.rows(rows),
      ensureRoom: (bytes, takes) => this.ensureRoom(upload, bytes, takes),
    };
  }

  private checkSha256(upload: UploadRecord, file: UploadFileName, actual: string): void {
    const spec = fileOf(upload, file) as UploadFileRecord;
    if (actual !== spec.sha256) {
      throw invalid(
        `${spec.filename}: the bytes received have SHA-256 ${actual}, not the ${spec.sha256} declared; the file changed or was damaged on the way. The upload was deleted; upload the file again`,
      );
    }
  }

  /** Errors the caller must fix end the upload; others (the store failing) leave it to retry. */
  private async endOnCallerError<T>(upload: UploadRecord, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ComputeError) {
        await this.store.deleteUpload(upload);
        throw new GatewayError(ErrorCodes.invalidArgument, `${upload.data.filename}: ${error.message}. The upload was deleted; fix the file and upload it again`, { cause: error });
      }
      if (error instanceof GatewayError && error.code === ErrorCodes.invalidArgument) {
        await this.store.deleteUpload(upload);
        throw error;
      }
      if (error instanceof MissingPartError) {
        await this.store.deleteUpload(upload);
        throw new GatewayError(ErrorCodes.failedPrecondition, `${error.message}; the upload was deleted, upload the file again`, { cause: error });
      }
      throw error;
    }
  }
}

/** The random part of an upload id names the artifact made from it. */
export function artifactIdOf(uploadId: string): string {
  return `art-${uploadId.slice('up-'.length)}`;
}

function canRead(caller: Caller, team: string): boolean {
  return caller.role === 'tutor' || caller.team === team;
}

function teamOf(caller: Caller): string {
  if (caller.role === 'tutor') return TUTORS_TEAM;
  if (!caller.team) throw invalid('your token has no team');
  return caller.team;
}

function fileOf(upload: UploadRecord, file: UploadFileName): UploadFileRecord | undefined {
  return uploadFiles(upload).find(([name]) => name === file)?.[1];
}

function declaredBytes(upload: UploadRecord): number {
  return uploadFiles(upload).reduce((sum, [, spec]) => sum + spec.sizeBytes, 0);
}

/** The object an artifact is stored as, the record's fields that describe it, and what makes its size. */
function storedForm(parsed: ParsedUpload): { parts: Uint8Array[]; fields: Pick<ArtifactRecord, 'kind' | 'rows' | 'cols' | 'labeled' | 'classNames' | 'itemShape' | 'model'>; takes: string } {
  switch (parsed.kind) {
    case 'dataset': {
      const { matrix, labels, itemShape } = parsed;
      return {
        parts: encodeMatrixParts({ rows: matrix.rows, cols: matrix.cols, data: matrix.data, labels }),
        fields: { kind: 'dataset', rows: matrix.rows, cols: matrix.cols, labeled: labels !== undefined, classNames: labels?.names ?? [], ...(itemShape ? { itemShape } : {}) },
        takes: `${matrix.rows} × ${matrix.cols} numbers of 8 bytes`,
      };
    }
    case 'image':
      return {
        parts: [parsed.bytes],
        fields: { kind: 'image', rows: 1, cols: parsed.width * parsed.height * parsed.channels, labeled: false, classNames: [], itemShape: [parsed.height, parsed.width, parsed.channels] },
        takes: 'the picture as uploaded',
      };
    case 'model':
      return {
        parts: [encodeModelBundle(parsed.bundle)],
        fields: { kind: 'model', rows: 0, cols: 0, labeled: false, classNames: [], model: parsed.summary },
        takes: 'model.json and the weights',
      };
  }
}

function checkFile(spec: UploadFileRequest | undefined, which: UploadFileName): UploadFileRecord {
  if (!spec) throw invalid(`the ${which} file is missing: give its filename, format, size_bytes and sha256`);
  const filename = spec.filename.trim();
  if (!filename) throw invalid(`the ${which} file has no filename`);
  if (/[/\\]/.test(filename) || hasControlCharacter(filename) || filename === '.' || filename === '..' || filename.length > 255) {
    throw invalid(`${quoteInput(spec.filename)} is not a file name: no directories, at most 255 characters`);
  }
  if (!spec.format) throw invalid(`${filename}: the format is missing; one of ${DATA_FORMATS.join(', ')}`);
  if (!Number.isSafeInteger(spec.sizeBytes) || spec.sizeBytes <= 0) throw invalid(`${filename} is empty (0 bytes); there is nothing to upload`);
  if (spec.sizeBytes > MAX_UPLOAD_FILE_BYTES) {
    throw invalid(`${filename} has ${mb(spec.sizeBytes)}; one file may have at most ${mb(MAX_UPLOAD_FILE_BYTES)}`);
  }
  const sha256 = spec.sha256.trim().toLowerCase();
  if (!SHA256_HEX.test(sha256)) throw invalid(`${filename}: sha256 must be the file's SHA-256 as 64 hex digits, not ${quoteInput(spec.sha256)}`);
  return { filename, format: spec.format, sizeBytes: spec.sizeBytes, sha256, receivedBytes: 0 };
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 32 || text.charCodeAt(i) === 127) return true;
  return false;
}

function checkUploadId(raw: string): string {
  const id = raw.trim();
  if (!id) throw invalid('the upload id is missing');
  if (!UPLOAD_ID_PATTERN.test(id)) throw invalid(`${quoteInput(raw)} is not an upload id (they look like up-…, 16 letters and digits)`);
  return id;
}

function checkArtifactId(raw: string): string {
  const id = raw.trim();
  if (!id) throw invalid('the artifact id is missing');
  if (!ARTIFACT_ID_PATTERN.test(id)) throw invalid(`${quoteInput(raw)} is not an artifact id (they look like art-…, 16 letters and digits)`);
  return id;
}

function describeFiles(upload: UploadRecord): string {
  return uploadFiles(upload).map(([, spec]) => spec.filename).join(' and ');
}

function overLimit(usage: StorageUsageView, need: string): GatewayError {
  const used = storageUsedBytes(usage);
  const parts = [
    [usage.artifactBytes, 'artifacts'],
    [usage.uploadBytes, 'uploads in progress'],
    [usage.jobInputBytes, "inputs of jobs that have not ended"],
    [usage.jobOutputBytes, 'job results and files'],
  ] as const;
  const shown = parts.filter(([bytes]) => bytes > 0).map(([bytes, what]) => `${mb(bytes)} ${what}`);
  const uploading = shown.length > 0 ? ` (${shown.join(', ')})` : '';
  return new GatewayError(
    ErrorCodes.resourceExhausted,
    `team ${usage.team} has used ${mb(used)}${uploading} of its ${mb(usage.limitBytes)} storage, and ${need}. ` +
      'Free space by deleting artifacts or unfinished uploads you no longer need: "gpulab artifacts" lists them, "gpulab artifacts rm ID" deletes one; ' +
      '"gpulab outputs rm JOB" deletes an ended job\'s result and files',
    { reason: ErrorReasons.storageFull, metadata: { team: usage.team } },
  );
}


function invalid(message: string): GatewayError {
  return new GatewayError(ErrorCodes.invalidArgument, message);
}

export function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(bytes < 10 * MB ? 2 : 1)} MB`;
}

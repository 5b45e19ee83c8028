import { createHash } from 'node:crypto';
import {
  type ArtifactRecord,
  type Caller,
  canSee,
  encodeMatrixParts,
  encodeModelBundle,
  ErrorCodes,
  ErrorReasons,
  type FinishProgressView,
  type UploadFileName,
  uploadFiles,
  type UploadFileRecord,
  type UploadRecord,
} from '@gpulab/contracts';
import { ComputeError } from '@gpulab/compute';
import { type ArtifactStore, MissingPartError } from './artifact-store';
import { type Clock, systemClock } from './clock';
import { GatewayError, invalid } from './errors';
import { type FinishProgressBoard, type FinishTracker } from './finish-progress';
import { type HeavyWorkGate } from './heavy-work-gate';
import { mb } from './byte-sizes';
import { type StorageQuota } from './storage-quota';
import { artifactIdOf, checkUploadId, fileOf } from './upload-declaration';
import { type ParsedUpload, type UploadParser, type UploadSource } from './upload-parser';
import { otherTeamsUpload, type UploadSession } from './upload-session';

/**
 * FinishUpload: checks the checksums, parses, and stores the artifact, a few at a time (each
 * holds a data set in memory), telling the progress board where each finish is.
 */
export class UploadFinisher {
  constructor(
    private readonly store: ArtifactStore,
    private readonly uploads: UploadSession,
    private readonly quota: StorageQuota,
    private readonly parse: UploadParser,
    /** Admits finishing uploads a few at a time. */
    private readonly gate: HeavyWorkGate,
    /** Where each FinishUpload under way is (GetUploadProgress). */
    private readonly progress: FinishProgressBoard,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * The caller's mistakes (checksum, format, labels, storage limit) end the upload: its chunks
   * are deleted and nothing is stored. An upload with bytes missing stays, so the client can
   * send them. Finishing the same upload again after a lost answer returns the artifact made the
   * first time.
   */
  async finishUpload(caller: Caller, uploadId: string): Promise<ArtifactRecord> {
    const id = checkUploadId(uploadId);
    const artifactId = artifactIdOf(id);
    const found = await this.uploads.find(id);
    if (!found) {
      const made = await this.store.getArtifact(artifactId);
      if (made && canSee(caller, made.team)) return made;
      throw this.uploads.uploadNotFound(id);
    }
    const { upload } = found;
    if (!canSee(caller, upload.team)) throw otherTeamsUpload(id);
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
    if (!canSee(caller, progress.team)) throw otherTeamsUpload(id);
    return progress;
  }

  private async parseAndStore(upload: UploadRecord, artifactId: string, tracker: FinishTracker): Promise<ArtifactRecord> {
    const parsed = await this.endOnCallerError(upload, () => this.parse(this.sourceOf(upload, tracker)));
    tracker.phase('storing');
    const { parts, fields, takes } = storedForm(parsed);
    const size = parts.reduce((sum, p) => sum + p.byteLength, 0);
    const need = `${upload.data.filename} takes ${mb(size)} stored (${takes}); the upload was deleted`;
    return this.quota.withRoom(
      upload.team,
      size,
      need,
      async () => {
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
      },
      { exceptUpload: upload.id, onRefused: () => this.store.deleteUpload(upload) },
    );
  }

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
      // Asked with the size a matrix will have before it is made; a refusal deletes the upload.
      ensureRoom: (bytes, takes) =>
        this.quota.ensureRoom(upload.team, bytes, `${upload.data.filename} would take ${mb(bytes)} stored (${takes}); it was refused before being read, and the upload was deleted`, {
          exceptUpload: upload.id,
          onRefused: () => this.store.deleteUpload(upload),
        }),
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

/** The object an artifact is stored as, the record's fields that describe it, and what makes its size. */
function storedForm(parsed: ParsedUpload): { parts: Uint8Array[]; fields: Pick<ArtifactRecord, 'kind' | 'rows' | 'cols' | 'labeled' | 'classNames' | 'itemShape' | 'model' | 'code'>; takes: string } {
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
    case 'code':
      return {
        parts: [parsed.bytes],
        fields: { kind: 'code', rows: 0, cols: 0, labeled: false, classNames: [], code: parsed.summary },
        takes: 'the archive as uploaded',
      };
  }
}

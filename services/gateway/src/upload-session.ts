import { type Caller, canSee, ErrorCodes, ErrorReasons, teamOf, type UploadFileName, uploadFiles, type UploadFileRecord, type UploadRecord } from '@gpulab/contracts';
import { type ArtifactStore } from './artifact-store';
import { type ArtifactSweeper } from './artifact-sweeper';
import { type Clock, systemClock } from './clock';
import { GatewayError, invalid, noTeam } from './errors';
import { randomBase32, type RandomId } from './random-id';
import { mb } from './byte-sizes';
import { type StorageQuota } from './storage-quota';
import { checkUploadId, declaredBytes, declareUpload, describeFiles, fileOf, type NewUploadRequest } from './upload-declaration';

export interface UploadSessionOptions {
  /** Bytes per upload chunk. */
  chunkBytes: number;
  /** An upload that receives nothing for this long is deleted. */
  uploadExpiryMs: number;
}

/** An upload a WriteUpload stream writes to, with the revision its record was last seen at. */
export interface UploadWrite {
  upload: UploadRecord;
  revision: number;
}

/** Compare-and-set retries of one chunk's record update before giving up. */
const WRITE_RETRIES = 5;

/**
 * The upload protocol up to FinishUpload: an upload is created with its files declared and their
 * space taken from the team's storage, its chunks are written in order and counted in its record
 * with compare-and-set (several streams may write one upload), and it can be read back or
 * cancelled. Only the caller's team (and tutors) may see an upload.
 */
export class UploadSession {
  constructor(
    private readonly store: ArtifactStore,
    private readonly quota: StorageQuota,
    private readonly sweeper: ArtifactSweeper,
    private readonly options: UploadSessionOptions,
    private readonly clock: Clock = systemClock,
    private readonly randomId: RandomId = randomBase32,
  ) {}

  async createUpload(caller: Caller, request: NewUploadRequest): Promise<UploadRecord> {
    const declared = declareUpload(request);
    const team = teamOf(caller, noTeam);
    const now = this.clock.now();
    const upload: UploadRecord = {
      id: `up-${this.randomId()}`,
      team,
      createdBy: caller.name,
      chunkSize: this.options.chunkBytes,
      ...declared,
      createdAt: new Date(now).toISOString(),
      updatedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.options.uploadExpiryMs).toISOString(),
    };
    const bytes = declaredBytes(upload);
    return this.quota.withRoom(team, bytes, `${describeFiles(upload)} need${uploadFiles(upload).length > 1 ? '' : 's'} ${mb(bytes)}`, async () => {
      await this.store.createUpload(upload);
      return upload;
    });
  }

  async getUpload(caller: Caller, uploadId: string): Promise<UploadRecord> {
    return (await this.openUpload(caller, uploadId)).upload;
  }

  /** The upload a WriteUpload stream goes on with; checked once per stream. */
  async openUpload(caller: Caller, uploadId: string): Promise<UploadWrite> {
    const id = checkUploadId(uploadId);
    const found = await this.find(id);
    if (!found) throw this.uploadNotFound(id);
    if (!canSee(caller, found.upload.team)) throw otherTeamsUpload(id);
    return found;
  }

  /** An upload by its checked id, whoever asks; undefined when there is none or it just expired. */
  async find(id: string): Promise<UploadWrite | undefined> {
    const found = await this.store.getUpload(id);
    if (!found || (await this.sweeper.expiredAndDeleted(found.record))) return undefined;
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

  async cancelUpload(caller: Caller, uploadId: string): Promise<void> {
    const { upload } = await this.openUpload(caller, uploadId);
    await this.store.deleteUpload(upload);
  }

  /** NOT_FOUND for an upload that is gone, with the ways it may have gone. */
  uploadNotFound(id: string): GatewayError {
    const hours = this.options.uploadExpiryMs / 3600_000;
    const quiet = hours >= 1 ? `${Number(hours.toFixed(1))} h` : `${Math.round(this.options.uploadExpiryMs / 1000)} s`;
    return new GatewayError(
      ErrorCodes.notFound,
      `there is no upload ${id}: it was finished or cancelled, or deleted after receiving nothing for ${quiet}; start the upload again`,
      { reason: ErrorReasons.uploadNotFound, metadata: { upload: id } },
    );
  }
}

/** PERMISSION_DENIED for an upload of a team the caller may not see. */
export function otherTeamsUpload(id: string): GatewayError {
  return new GatewayError(ErrorCodes.permissionDenied, `upload ${id} belongs to another team`, { reason: ErrorReasons.otherTeam, metadata: { upload: id } });
}

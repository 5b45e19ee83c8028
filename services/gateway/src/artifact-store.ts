import {
  type ArtifactRecord,
  ArtifactKeys,
  Nats,
  ObjectNames,
  type UploadFileName,
  uploadFiles,
  type UploadRecord,
  uploadPartOffset,
} from '@gpulab/contracts';
import { listKvKeys, putArtifact, readObject, recordItem, recordKey, type StorageIndex } from '@gpulab/platform';
import { type JetStreamManager } from '@nats-io/jetstream';
import { type KV } from '@nats-io/kv';
import { type ObjectStore } from '@nats-io/obj';

const ARTIFACT_OBJECT = new RegExp(`^${escapeRegExp(ObjectNames.artifact('@@')).replace('@@', '([^/]+)')}$`);

/** A record with the KV revision it was read at, for compare-and-set. */
export interface Versioned<T> {
  record: T;
  revision: number;
}

/** A chunk that should be stored is not: the upload lost bytes and cannot be finished. */
export class MissingPartError extends Error {
  constructor(
    readonly uploadId: string,
    readonly file: UploadFileName,
    readonly offset: number,
  ) {
    super(`upload ${uploadId} has no stored chunk at byte ${offset} of its ${file} file`);
    this.name = 'MissingPartError';
  }
}

const PARALLEL_READS = 4;

/** The stream behind the KV bucket, and the prefix of its subjects. */
const INDEX_STREAM = `KV_${Nats.artifactIndexBucket}`;
const INDEX_SUBJECT = `$KV.${Nats.artifactIndexBucket}.`;

/**
 * Where artifacts and uploads live: records in KV (`Nats.artifactIndexBucket`), bytes in the
 * Object Store (one object per upload chunk, one per artifact). Knows nothing of teams or
 * limits; `ArtifactLibrary` decides, this stores.
 *
 * Keys are listed from the stream's subjects (`listKvKeys`) rather than with `kv.keys()`, whose
 * consumer waits for an idle heartbeat (30 s) when a key changes while it reads, as upload
 * records do all the time. Records are removed by purging their subject, which leaves no
 * delete marker behind to be listed.
 */
export class ArtifactStore {
  constructor(
    private readonly index: KV,
    private readonly objects: ObjectStore,
    private readonly jsm: JetStreamManager,
    /** Told of each record this store writes or removes, so limit checks see them at once. */
    private readonly ledger?: StorageIndex,
  ) {}

  async createUpload(upload: UploadRecord): Promise<number> {
    const key = ArtifactKeys.upload(upload.id);
    const revision = await this.index.create(key, JSON.stringify(upload));
    this.ledger?.apply(recordKey(key), revision, recordItem(key, upload));
    return revision;
  }

  async getUpload(id: string): Promise<Versioned<UploadRecord> | undefined> {
    const entry = await this.index.get(ArtifactKeys.upload(id));
    if (!entry || entry.operation !== 'PUT') return undefined;
    return { record: entry.json<UploadRecord>(), revision: entry.revision };
  }

  /** Compare-and-set: fails when the record changed since `revision`. Returns the new revision. */
  async updateUpload(upload: UploadRecord, revision: number): Promise<number> {
    const key = ArtifactKeys.upload(upload.id);
    const next = await this.index.update(key, JSON.stringify(upload), revision);
    this.ledger?.apply(recordKey(key), next, recordItem(key, upload));
    return next;
  }

  async listUploads(): Promise<Versioned<UploadRecord>[]> {
    const out: Versioned<UploadRecord>[] = [];
    for (const key of await listKvKeys(this.index, `${ArtifactKeys.uploadPrefix}>`)) {
      const found = await this.getUpload(key.slice(ArtifactKeys.uploadPrefix.length));
      if (found) out.push(found);
    }
    return out;
  }

  async putPart(upload: UploadRecord, file: UploadFileName, offset: number, bytes: Uint8Array): Promise<void> {
    const name = ObjectNames.uploadPart(upload.id, uploadPartOffset(upload, file, offset));
    await this.objects.putBlob({ name, description: `${file} bytes ${offset}-${offset + bytes.byteLength} of upload ${upload.id}` }, bytes);
  }

  async deletePart(upload: UploadRecord, file: UploadFileName, offset: number): Promise<void> {
    await this.objects.delete(ObjectNames.uploadPart(upload.id, uploadPartOffset(upload, file, offset)));
  }

  /** One file of an upload, its chunks put together in order. */
  async readUploadFile(upload: UploadRecord, file: UploadFileName): Promise<Buffer> {
    const spec = uploadFiles(upload).find(([name]) => name === file)?.[1];
    if (!spec) throw new Error(`upload ${upload.id} has no ${file} file`);
    const out = Buffer.allocUnsafe(spec.sizeBytes);
    let next = 0;
    // A few reads at once: each chunk is its own consumer, and their round trips overlap.
    const reader = async () => {
      for (let offset = next; offset < spec.sizeBytes; offset = next) {
        next += upload.chunkSize;
        const bytes = await readObject(this.objects, ObjectNames.uploadPart(upload.id, uploadPartOffset(upload, file, offset)));
        const expected = Math.min(upload.chunkSize, spec.sizeBytes - offset);
        if (!bytes || bytes.byteLength !== expected) throw new MissingPartError(upload.id, file, offset);
        out.set(bytes, offset);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_READS }, reader));
    return out;
  }

  /**
   * One file of an upload chunk by chunk, in order, with a few reads ahead: only those chunks are
   * in memory, not the file.
   */
  async *uploadChunks(upload: UploadRecord, file: UploadFileName): AsyncGenerator<Uint8Array> {
    const spec = uploadFiles(upload).find(([name]) => name === file)?.[1];
    if (!spec) throw new Error(`upload ${upload.id} has no ${file} file`);
    const read = async (offset: number) => {
      const bytes = await readObject(this.objects, ObjectNames.uploadPart(upload.id, uploadPartOffset(upload, file, offset)));
      if (!bytes || bytes.byteLength !== Math.min(upload.chunkSize, spec.sizeBytes - offset)) throw new MissingPartError(upload.id, file, offset);
      return bytes;
    };
    const ahead: Promise<Uint8Array>[] = [];
    let next = 0;
    const fill = () => {
      for (; ahead.length < PARALLEL_READS && next < spec.sizeBytes; next += upload.chunkSize) {
        const pending = read(next);
        pending.catch(() => undefined);
        ahead.push(pending);
      }
    };
    fill();
    while (ahead.length > 0) {
      const bytes = await (ahead.shift() as Promise<Uint8Array>);
      fill();
      yield bytes;
    }
  }

  /**
   * Deletes an upload's chunks, then its record. In this order a crash half-way leaves a record
   * that still leads to the remaining chunks, and the next attempt (or the expiry sweep) finishes
   * the job. The chunk at each file's received offset is deleted too: a write may have stored it
   * without getting to count it.
   */
  async deleteUpload(upload: UploadRecord): Promise<void> {
    for (const [file, spec] of uploadFiles(upload)) {
      for (let offset = 0; offset <= spec.receivedBytes && offset < spec.sizeBytes; offset += upload.chunkSize) {
        await this.deletePart(upload, file, offset);
      }
    }
    await this.removeKey(ArtifactKeys.upload(upload.id));
    this.ledger?.removed(recordKey(ArtifactKeys.upload(upload.id)));
  }

  async getArtifact(id: string): Promise<ArtifactRecord | undefined> {
    const entry = await this.index.get(ArtifactKeys.artifact(id));
    return entry && entry.operation === 'PUT' ? entry.json<ArtifactRecord>() : undefined;
  }

  async listArtifacts(): Promise<ArtifactRecord[]> {
    const out: ArtifactRecord[] = [];
    for (const key of await listKvKeys(this.index, `${ArtifactKeys.artifactPrefix}>`)) {
      const found = await this.getArtifact(key.slice(ArtifactKeys.artifactPrefix.length));
      if (found) out.push(found);
    }
    return out;
  }

  /** See {@link putArtifact}: the object, then the record; a record made already is returned. */
  async putArtifact(record: ArtifactRecord, bytes: Uint8Array | readonly Uint8Array[]): Promise<ArtifactRecord> {
    const stored = await putArtifact({ artifactIndex: this.index, artifacts: this.objects }, record, bytes, `artifact ${record.id} (${record.filename}) of team ${record.team}`);
    const key = ArtifactKeys.artifact(stored.id);
    // Revision 0: the feed brings the record's real revision, with the same size.
    this.ledger?.apply(recordKey(key), 0, recordItem(key, stored));
    return stored;
  }

  /** The record first, so the artifact disappears from listings before its bytes do. */
  async deleteArtifact(id: string): Promise<void> {
    await this.removeKey(ArtifactKeys.artifact(id));
    this.ledger?.removed(recordKey(ArtifactKeys.artifact(id)));
    await this.objects.delete(ObjectNames.artifact(id));
  }

  /** Whether an artifact's matrix object exists (with or without its record). */
  async hasArtifactObject(id: string): Promise<boolean> {
    const info = await this.objects.info(ObjectNames.artifact(id));
    return info !== null && !info.deleted;
  }

  /** Every artifact matrix object, with or without its record. */
  async listArtifactObjects(): Promise<{ id: string; modifiedMs: number }[]> {
    const out: { id: string; modifiedMs: number }[] = [];
    for (const info of await this.objects.list()) {
      const match = ARTIFACT_OBJECT.exec(info.name);
      if (match && !info.deleted) out.push({ id: match[1], modifiedMs: Date.parse(info.mtime) });
    }
    return out;
  }

  async deleteArtifactObject(id: string): Promise<void> {
    await this.objects.delete(ObjectNames.artifact(id));
  }

  /** A compare-and-set write racing with this fails, as it should: the record is gone. */
  private async removeKey(key: string): Promise<void> {
    await this.jsm.streams.purge(INDEX_STREAM, { filter: `${INDEX_SUBJECT}${key}` });
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

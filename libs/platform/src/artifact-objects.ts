import { type ArtifactRecord, ArtifactKeys, ObjectNames } from '@gpulab/contracts';
import { type KV } from '@nats-io/kv';
import { type ObjectStore } from '@nats-io/obj';

/** Where artifacts live: records in KV (`Nats.artifactIndexBucket`), one object each in the Object Store. */
export interface ArtifactBuckets {
  artifactIndex: KV;
  artifacts: ObjectStore;
}

/**
 * Stores an artifact's object, then the record that makes it visible: an artifact without its
 * object is never listed. When the record cannot be written the object is deleted again. A
 * record of this id that exists already (an upload finished twice, a training job's model
 * stored by a retried attempt) is returned instead, and the object it describes stays.
 */
export async function putArtifact(
  { artifactIndex, artifacts }: ArtifactBuckets,
  record: ArtifactRecord,
  bytes: Uint8Array | readonly Uint8Array[],
  description: string,
  metadata?: Record<string, string>,
): Promise<ArtifactRecord> {
  const name = ObjectNames.artifact(record.id);
  if (bytes instanceof Uint8Array) await artifacts.putBlob({ name, description, metadata }, bytes);
  // Pieces (a matrix's header, floats and labels) are written one after the other, not joined first.
  else await artifacts.put({ name, description, metadata }, streamOfParts(bytes));
  try {
    await artifactIndex.create(ArtifactKeys.artifact(record.id), JSON.stringify(record));
    return record;
  } catch (error) {
    const entry = await artifactIndex.get(ArtifactKeys.artifact(record.id)).catch(() => null);
    if (entry?.operation === 'PUT') return entry.json<ArtifactRecord>();
    await artifacts.delete(name).catch(() => undefined);
    throw error;
  }
}

/** Pieces are handed to the Object Store this large at most. */
const PIECE_BYTES = 1024 * 1024;

/**
 * The bytes of `parts` one after the other, as a stream for `ObjectStore.put`, in views of at
 * most 1 MiB: the store joins what it holds before cutting it into chunks, and a whole matrix
 * handed over at once would be copied there in full.
 */
export function streamOfParts(parts: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let part = 0;
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      while (part < parts.length && offset >= parts[part].byteLength) {
        part++;
        offset = 0;
      }
      if (part >= parts.length) {
        controller.close();
        return;
      }
      const piece = parts[part].subarray(offset, offset + PIECE_BYTES);
      offset += piece.byteLength;
      controller.enqueue(piece);
    },
  });
}

import { after, before } from 'node:test';
import { createHash } from 'node:crypto';
import { type Caller, type DataFormatName } from '@gpulab/contracts';
import { type JetStreamResources, openJetStreamResources, StorageLedger } from '@gpulab/platform';
import { useNatsServer } from '@gpulab/platform/testing';
import { ArtifactLibrary, type ArtifactLibraryOptions } from '../artifact-library';
import { ArtifactStore } from '../artifact-store';
import { parseUpload } from '../upload-parser';

/** The chunk size of the fixture's uploads unless a test asks for another. */
export const CHUNK = 16;
export const HOUR = 3600_000;

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A CSV of `rows` rows, 2 columns; 10 bytes a row. */
export function csv(rows: number): Buffer {
  return Buffer.from(Array.from({ length: rows }, (_, i) => `${String(i).padStart(4, '0')},${String(i * 2).padStart(4, '0')}\n`).join(''));
}

export const member = (team: string): Caller => ({ role: 'member', team, name: team });

type FileBytes = { filename: string; format: DataFormatName; bytes: Uint8Array };

/**
 * The artifact pieces on a real nats-server (one per test file), on a clock the test moves:
 * `library()` builds them with the test's options; the helpers create, send and finish uploads
 * the way a client does. The fields are set once the file's `before` ran.
 */
export function useArtifactFixture(name: string) {
  const nats = useNatsServer(name);
  const clock = { ms: Date.now(), now: () => clock.ms };
  let ids = 0;
  const fixture = {
    clock,
    resources: undefined as unknown as JetStreamResources,
    store: undefined as unknown as ArtifactStore,
    ledger: undefined as unknown as StorageLedger,
    library: (options: Partial<ArtifactLibraryOptions> = {}) =>
      new ArtifactLibrary(fixture.store, parseUpload, async () => [], { teamStorageBytes: 1024 * 1024, ledger: fixture.ledger, chunkBytes: CHUNK, uploadExpiryMs: 24 * HOUR, ...options }, clock, () =>
        `t${String(++ids).padStart(15, 'a').replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)])}`,
      ),
    newUpload: (lib: ArtifactLibrary, bytes: Buffer, team = 'demo') =>
      lib.uploads.createUpload(member(team), { data: { filename: 'points.csv', format: 'csv', sizeBytes: bytes.byteLength, sha256: sha256(bytes) }, labels: undefined, labelColumn: '' }),
    send: async (lib: ArtifactLibrary, uploadId: string, bytes: Buffer, from = 0, to = bytes.byteLength, team = 'demo') => {
      const write = await lib.uploads.openUpload(member(team), uploadId);
      for (let offset = from; offset < to; offset += CHUNK) await lib.uploads.writeChunk(write, 'data', offset, bytes.subarray(offset, offset + CHUNK));
      return write;
    },
    /** Creates an upload of the given files, sends all their bytes, and finishes it. */
    uploadFiles: async (lib: ArtifactLibrary, files: Partial<Record<'data' | 'labels' | 'weights', FileBytes>>) => {
      const spec = (f?: FileBytes) => f && { filename: f.filename, format: f.format, sizeBytes: f.bytes.byteLength, sha256: sha256(f.bytes) };
      const upload = await lib.uploads.createUpload(member('demo'), { data: spec(files.data), labels: spec(files.labels), weights: spec(files.weights), labelColumn: '' });
      const write = await lib.uploads.openUpload(member('demo'), upload.id);
      for (const name of ['data', 'labels', 'weights'] as const) {
        const bytes = files[name]?.bytes;
        for (let offset = 0; bytes && offset < bytes.byteLength; offset += upload.chunkSize) await lib.uploads.writeChunk(write, name, offset, bytes.subarray(offset, offset + upload.chunkSize));
      }
      return { upload, finish: () => lib.finisher.finishUpload(member('demo'), upload.id) };
    },
    storedChunks: async (uploadId: string) => (await fixture.resources.artifacts.list()).filter((o) => !o.deleted && o.name.startsWith(`uploads/${uploadId}/`)).length,
  };

  before(async () => {
    fixture.resources = await openJetStreamResources(nats.nc);
    fixture.ledger = new StorageLedger(fixture.resources.artifactIndex, fixture.resources.artifacts);
    await fixture.ledger.start();
    fixture.store = new ArtifactStore(fixture.resources.artifactIndex, fixture.resources.artifacts, await fixture.resources.js.jetstreamManager(), fixture.ledger);
  });

  after(() => fixture.ledger.stop());

  return fixture;
}

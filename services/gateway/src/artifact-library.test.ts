import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Caller, ObjectNames } from '@gpulab/contracts';
import { connectNats, type JetStreamResources, type NatsConnection, NatsServerProcess, openJetStreamResources } from '@gpulab/platform';
import { ArtifactLibrary, type ArtifactLibraryOptions } from './artifact-library';
import { ArtifactStore } from './artifact-store';
import { GatewayError } from './errors';
import { parseUpload } from './upload-parser';

const CHUNK = 16;
const HOUR = 3600_000;

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A CSV of `rows` rows, 2 columns; 10 bytes a row. */
function csv(rows: number): Buffer {
  return Buffer.from(Array.from({ length: rows }, (_, i) => `${String(i).padStart(4, '0')},${String(i * 2).padStart(4, '0')}\n`).join(''));
}

const member = (team: string): Caller => ({ role: 'member', team, name: team });

describe('ArtifactLibrary on JetStream KV and the Object Store', () => {
  let dir: string;
  let server: NatsServerProcess;
  let nc: NatsConnection;
  let resources: JetStreamResources;
  let store: ArtifactStore;
  let ids = 0;
  const clock = { ms: Date.now(), now: () => clock.ms };
  const library = (options: Partial<ArtifactLibraryOptions> = {}) =>
    new ArtifactLibrary(store, parseUpload, async () => [], { teamStorageBytes: 1024 * 1024, chunkBytes: CHUNK, uploadExpiryMs: 24 * HOUR, ...options }, clock, () =>
      `t${String(++ids).padStart(15, 'a').replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)])}`,
    );
  const newUpload = (lib: ArtifactLibrary, bytes: Buffer, team = 'demo') =>
    lib.createUpload(member(team), { data: { filename: 'points.csv', format: 'csv', sizeBytes: bytes.byteLength, sha256: sha256(bytes) }, labels: undefined, labelColumn: '' });
  const send = async (lib: ArtifactLibrary, uploadId: string, bytes: Buffer, from = 0, to = bytes.byteLength, team = 'demo') => {
    const write = await lib.openUpload(member(team), uploadId);
    for (let offset = from; offset < to; offset += CHUNK) await lib.writeChunk(write, 'data', offset, bytes.subarray(offset, offset + CHUNK));
    return write;
  };
  const storedChunks = async (uploadId: string) => (await resources.artifacts.list()).filter((o) => !o.deleted && o.name.startsWith(`uploads/${uploadId}/`)).length;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpulab-artifacts-'));
    server = await NatsServerProcess.start({ storeDir: dir });
    nc = await connectNats({ url: server.url, name: 'artifact-library-test' });
    resources = await openJetStreamResources(nc);
    store = new ArtifactStore(resources.artifactIndex, resources.artifacts, await resources.js.jetstreamManager());
  });

  after(async () => {
    await nc?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts a chunk sent again after a broken stream once, and stores the artifact from all chunks', async () => {
    const lib = library();
    const bytes = csv(10);
    const upload = await newUpload(lib, bytes);
    await send(lib, upload.id, bytes, 0, 3 * CHUNK);
    // The client did not hear back for the third chunk and sends it again, then the rest.
    await send(lib, upload.id, bytes, 2 * CHUNK);
    assert.equal((await lib.getUpload(member('demo'), upload.id)).data.receivedBytes, bytes.byteLength);
    const artifact = await lib.finishUpload(member('demo'), upload.id);
    assert.deepEqual([artifact.rows, artifact.cols, artifact.sha256], [10, 2, sha256(bytes)]);
    assert.equal(await storedChunks(upload.id), 0);
  });

  it('refuses a chunk past what arrived, and one of the wrong size, naming the offset to go on from', async () => {
    const lib = library();
    const bytes = csv(10);
    const upload = await newUpload(lib, bytes);
    const write = await send(lib, upload.id, bytes, 0, CHUNK);
    await assert.rejects(lib.writeChunk(write, 'data', 2 * CHUNK, bytes.subarray(2 * CHUNK, 3 * CHUNK)), /only 16 bytes have arrived; go on from byte 16/);
    await assert.rejects(lib.writeChunk(write, 'data', CHUNK, bytes.subarray(CHUNK, CHUNK + 5)), /has 5 bytes; every chunk but the file's last must have 16/);
    await assert.rejects(lib.writeChunk(write, 'data', 96, Buffer.alloc(16)), /ends at byte 112, past the declared size of 100 bytes/);
    await assert.rejects(lib.writeChunk(write, 'labels', 0, Buffer.alloc(16)), /has no labels file/);
    await assert.rejects(lib.finishUpload(member('demo'), upload.id), (e: unknown) => e instanceof GatewayError && e.code === 'FAILED_PRECONDITION' && /16 of 100 bytes have arrived/.test(e.message));
    await lib.cancelUpload(member('demo'), upload.id);
    assert.equal(await storedChunks(upload.id), 0);
  });

  it('finishing an upload a second time (an answer lost on the way) returns the artifact made the first time', async () => {
    const lib = library();
    const bytes = csv(5);
    const upload = await newUpload(lib, bytes);
    await send(lib, upload.id, bytes);
    const first = await lib.finishUpload(member('demo'), upload.id);
    const again = await lib.finishUpload(member('demo'), upload.id);
    assert.deepEqual(again, first);
    await assert.rejects(lib.finishUpload(member('other'), upload.id), (e: unknown) => e instanceof GatewayError && e.code === 'NOT_FOUND');
  });

  it('deletes an upload with its chunks once nothing has arrived for the expiry time, counted from its last chunk', async () => {
    const lib = library({ uploadExpiryMs: HOUR });
    const bytes = csv(10);
    const upload = await newUpload(lib, bytes);
    clock.ms += 50 * 60_000;
    await send(lib, upload.id, bytes, 0, 2 * CHUNK);
    clock.ms += 50 * 60_000;
    assert.equal((await lib.usage('demo')).uploadBytes, bytes.byteLength, 'still alive: its last chunk came 50 minutes ago');
    clock.ms += 11 * 60_000;
    assert.equal((await lib.usage('demo')).uploadBytes, 0);
    assert.equal(await storedChunks(upload.id), 0);
    await assert.rejects(lib.getUpload(member('demo'), upload.id), /deleted after receiving nothing for 1 h/);
  });

  it('lets only one of two uploads through when the team has room for one', async () => {
    const lib = library({ teamStorageBytes: 150 });
    const bytes = csv(10);
    const results = await Promise.allSettled([newUpload(lib, bytes, 'race'), newUpload(lib, bytes, 'race')]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.match((refused.reason as Error).message, /team race has used 0\.00 MB \(0\.00 MB of it uploads in progress\) of its 0\.00 MB storage, and points\.csv needs/);
  });

  it('the sweep deletes an artifact matrix a crash left without its record, once it is an hour old', async () => {
    const lib = library();
    clock.ms = Date.now();
    await resources.artifacts.putBlob({ name: ObjectNames.artifact('art-orphanorphanorph') }, new Uint8Array(64));
    assert.equal((await lib.sweep()).orphans, 0, 'a finish may still be writing its record');
    clock.ms += 2 * HOUR;
    assert.equal((await lib.sweep()).orphans, 1);
    assert.equal(await store.hasArtifactObject('art-orphanorphanorph'), false);
  });
});

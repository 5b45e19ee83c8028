import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from './errors';
import { CHUNK, csv, member, sha256, useArtifactFixture } from './testing/artifact-fixture';

describe('UploadSession on JetStream KV and the Object Store', () => {
  const kit = useArtifactFixture('upload-session-test');
  const { library, newUpload, send, storedChunks } = kit;

  it('counts a chunk sent again after a broken stream once, and stores the artifact from all chunks', async () => {
    const lib = library();
    const bytes = csv(10);
    const upload = await newUpload(lib, bytes);
    await send(lib, upload.id, bytes, 0, 3 * CHUNK);
    // The client did not hear back for the third chunk and sends it again, then the rest.
    await send(lib, upload.id, bytes, 2 * CHUNK);
    assert.equal((await lib.uploads.getUpload(member('demo'), upload.id)).data.receivedBytes, bytes.byteLength);
    const artifact = await lib.finisher.finishUpload(member('demo'), upload.id);
    assert.deepEqual([artifact.rows, artifact.cols, artifact.sha256], [10, 2, sha256(bytes)]);
    assert.equal(await storedChunks(upload.id), 0);
  });

  it('refuses a chunk past what arrived, and one of the wrong size, naming the offset to go on from', async () => {
    const lib = library();
    const bytes = csv(10);
    const upload = await newUpload(lib, bytes);
    const write = await send(lib, upload.id, bytes, 0, CHUNK);
    await assert.rejects(lib.uploads.writeChunk(write, 'data', 2 * CHUNK, bytes.subarray(2 * CHUNK, 3 * CHUNK)), /only 16 bytes have arrived; go on from byte 16/);
    await assert.rejects(lib.uploads.writeChunk(write, 'data', CHUNK, bytes.subarray(CHUNK, CHUNK + 5)), /has 5 bytes; every chunk but the file's last must have 16/);
    await assert.rejects(lib.uploads.writeChunk(write, 'data', 96, Buffer.alloc(16)), /ends at byte 112, past the declared size of 100 bytes/);
    await assert.rejects(lib.uploads.writeChunk(write, 'labels', 0, Buffer.alloc(16)), /has no labels file/);
    await assert.rejects(lib.finisher.finishUpload(member('demo'), upload.id), (e: unknown) => e instanceof GatewayError && e.code === 'FAILED_PRECONDITION' && /16 of 100 bytes have arrived/.test(e.message));
    await lib.uploads.cancelUpload(member('demo'), upload.id);
    assert.equal(await storedChunks(upload.id), 0);
  });
});

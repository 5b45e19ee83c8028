import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectNames } from '@gpulab/contracts';
import { type JetStreamResources } from '@gpulab/platform';
import { type ArtifactStore } from './artifact-store';
import { CHUNK, csv, HOUR, member, useArtifactFixture } from './testing/artifact-fixture';

describe('ArtifactSweeper on JetStream KV and the Object Store', () => {
  const kit = useArtifactFixture('artifact-sweeper-test');
  const { clock, library, newUpload, send, storedChunks } = kit;
  let store: ArtifactStore;
  let resources: JetStreamResources;
  before(() => ({ store, resources } = kit));

  it('deletes an upload with its chunks once nothing has arrived for the expiry time, counted from its last chunk', async () => {
    const lib = library({ uploadExpiryMs: HOUR });
    const bytes = csv(10);
    const upload = await newUpload(lib, bytes);
    clock.ms += 50 * 60_000;
    await send(lib, upload.id, bytes, 0, 2 * CHUNK);
    clock.ms += 50 * 60_000;
    assert.equal((await lib.quota.usage('demo')).uploadBytes, bytes.byteLength, 'still alive: its last chunk came 50 minutes ago');
    clock.ms += 11 * 60_000;
    assert.equal((await lib.quota.usage('demo')).uploadBytes, 0);
    assert.equal(await storedChunks(upload.id), 0);
    await assert.rejects(lib.uploads.getUpload(member('demo'), upload.id), /deleted after receiving nothing for 1 h/);
  });

  it('the sweep deletes an artifact matrix a crash left without its record, once it is an hour old', async () => {
    const lib = library();
    clock.ms = Date.now();
    await resources.artifacts.putBlob({ name: ObjectNames.artifact('art-orphanorphanorph') }, new Uint8Array(64));
    assert.equal((await lib.sweeper.sweep()).orphans, 0, 'a finish may still be writing its record');
    clock.ms += 2 * HOUR;
    assert.equal((await lib.sweeper.sweep()).orphans, 1);
    assert.equal(await store.hasArtifactObject('art-orphanorphanorph'), false);
  });
});

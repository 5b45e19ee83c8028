import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectNats, type NatsConnection, NatsServerProcess, openJetStreamResources } from '@gpulab/platform';
import { CheckpointStore } from './checkpoint-store';

describe('checkpoints in the Object Store', () => {
  let dir: string;
  let server: NatsServerProcess;
  let nc: NatsConnection;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpulab-ckpt-'));
    server = await NatsServerProcess.start({ storeDir: dir });
    nc = await connectNats({ url: server.url, name: 'checkpoint-test' });
  });

  after(async () => {
    await nc?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives a later attempt of the job what an earlier one saved, and nothing to another job', async () => {
    const { artifacts } = await openJetStreamResources(nc);
    const first = new CheckpointStore(artifacts, 'j-ckpt', 1);
    assert.equal(await first.load(), undefined);
    await first.save(new Uint8Array([1, 2, 3]));
    await first.save(new Uint8Array([4, 5, 6, 7]));
    const second = new CheckpointStore(artifacts, 'j-ckpt', 2);
    assert.deepEqual([...((await second.load()) ?? [])], [4, 5, 6, 7]);
    assert.equal(await new CheckpointStore(artifacts, 'j-other', 1).load(), undefined);
  });
});

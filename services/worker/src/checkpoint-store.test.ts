import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openJetStreamResources } from '@gpulab/platform';
import { useNatsServer } from '@gpulab/platform/dist/testing/nats-fixture';
import { CheckpointStore } from './checkpoint-store';

describe('checkpoints in the Object Store', () => {
  const nats = useNatsServer('checkpoint-test');

  it('gives a later attempt of the job what an earlier one saved, and nothing to another job', async () => {
    const { artifacts } = await openJetStreamResources(nats.nc);
    const first = new CheckpointStore(artifacts, 'j-ckpt', 1);
    assert.equal(await first.load(), undefined);
    await first.save(new Uint8Array([1, 2, 3]));
    await first.save(new Uint8Array([4, 5, 6, 7]));
    const second = new CheckpointStore(artifacts, 'j-ckpt', 2);
    assert.deepEqual([...((await second.load()) ?? [])], [4, 5, 6, 7]);
    assert.equal(await new CheckpointStore(artifacts, 'j-other', 1).load(), undefined);
  });
});

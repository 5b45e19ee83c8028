import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type JobRecord } from '@gpulab/contracts';
import { openJetStreamResources } from '@gpulab/platform';
import { useNatsServer } from '@gpulab/platform/testing';
import { RevisionConflictError } from './errors';
import { JobStore } from './job-store';

function record(id: string): JobRecord {
  return {
    id,
    team: 'demo',
    submittedBy: 'demo',
    role: 'member',
    priority: false,
    preemptible: false,
    kind: 'pca',
    params: {},
    input: { source: 'dataset', name: 'seed-example' },
    gpus: 1,
    state: 'QUEUED',
    attempt: 0,
    assignedGpus: [],
    createdAt: '2026-12-01T00:00:00.000Z',
  };
}

describe('JobStore on JetStream KV', () => {
  const nats = useNatsServer('job-store-test');

  it('keeps jobs across a restart of its owner', async () => {
    const first = new JobStore((await openJetStreamResources(nats.nc)).jobs);
    await first.load();
    await first.create(record('j-keep'));
    await first.update('j-keep', (j) => ({ ...j, state: 'SCHEDULED', attempt: 1 }));
    const second = new JobStore((await openJetStreamResources(nats.nc)).jobs);
    assert.ok((await second.load()) >= 1);
    assert.equal(second.get('j-keep')?.state, 'SCHEDULED');
    assert.equal(second.get('j-keep')?.attempt, 1);
  });

  it('treats a second create of the same id as a retry, not a new job', async () => {
    const store = new JobStore((await openJetStreamResources(nats.nc)).jobs);
    assert.equal(await store.create(record('j-twice')), true);
    assert.equal(await store.create({ ...record('j-twice'), kind: 'other' }), false);
    assert.equal(store.get('j-twice')?.kind, 'pca');
  });

  it('refuses a write based on a stale revision and refreshes its copy', async () => {
    const a = new JobStore((await openJetStreamResources(nats.nc)).jobs);
    const b = new JobStore((await openJetStreamResources(nats.nc)).jobs);
    await a.load();
    await a.create(record('j-race'));
    await b.load();
    await a.update('j-race', (j) => ({ ...j, state: 'CANCELLED' }));
    await assert.rejects(b.update('j-race', (j) => ({ ...j, state: 'SCHEDULED' })), RevisionConflictError);
    assert.equal(b.get('j-race')?.state, 'CANCELLED', 'the loser sees the winner’s state');
  });

  it('counts the unfinished jobs of each team as they are created and end, and after a reload', async () => {
    const store = new JobStore((await openJetStreamResources(nats.nc)).jobs);
    await store.load();
    const before = store.unfinishedCount('counted');
    await store.create({ ...record('j-count-1'), team: 'counted' });
    await store.create({ ...record('j-count-2'), team: 'counted' });
    await store.create({ ...record('j-count-other'), team: 'other-counted' });
    assert.equal(store.unfinishedCount('counted'), before + 2);
    await store.update('j-count-1', (j) => ({ ...j, state: 'RUNNING' }));
    assert.equal(store.unfinishedCount('counted'), before + 2, 'a running job has not ended');
    await store.update('j-count-1', (j) => ({ ...j, state: 'SUCCEEDED' }));
    assert.equal(store.unfinishedCount('counted'), before + 1);
    assert.equal(await store.create({ ...record('j-count-2'), team: 'counted' }), false);
    assert.equal(store.unfinishedCount('counted'), before + 1, 'a retried create counts once');
    const reloaded = new JobStore((await openJetStreamResources(nats.nc)).jobs);
    await reloaded.load();
    assert.equal(reloaded.unfinishedCount('counted'), before + 1);
    assert.equal(reloaded.unfinishedCount('other-counted'), 1);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { listKvKeys } from './kv-keys';
import { useNatsServer } from './testing/nats-fixture';

describe('listing the keys of a KV bucket', () => {
  const nats = useNatsServer('kv-keys-test');

  it('lists every key under a filter once, however often they were written, while another writer goes on', async () => {
    const kv = await new Kvm(jetstream(nats.nc)).create('keys-test', { history: 5 });
    for (let i = 0; i < 50; i++) await kv.put(`jobs.j-${i}`, String(i));
    await kv.put('jobs.j-0', 'again');
    await kv.put('slots.s-1', 'x');
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) await kv.put('jobs.j-1', String(i));
    })();
    try {
      const keys = await listKvKeys(kv, 'jobs.>');
      assert.equal(keys.length, 50);
      assert.deepEqual(new Set(keys), new Set(Array.from({ length: 50 }, (_, i) => `jobs.j-${i}`)));
      assert.equal((await listKvKeys(kv)).length, 51);
    } finally {
      writing = false;
      await writer;
    }
  });
});

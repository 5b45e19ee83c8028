import { Bucket, type KV } from '@nats-io/kv';
import { retryTransient } from './transient-retry';

/**
 * The keys of a KV bucket matching `filter` (a subject filter: `jobs.>`), read from its stream's
 * subject list in one request (the client pages a long list). `kv.keys()` reads them through a
 * consumer instead, which waits for an idle heartbeat (30 s) when a key changes while it reads.
 * Keys whose last entry is a delete marker are listed too; `kv.get` tells them apart.
 */
export async function listKvKeys(kv: KV, filter = '>'): Promise<string[]> {
  if (!(kv instanceof Bucket)) throw new Error('listKvKeys needs a bucket opened through Kvm');
  const prefix = `${kv.prefix}.`;
  const info = await retryTransient(`kv ${kv.bucket} keys`, () => kv.jsm.streams.info(kv.stream, { subjects_filter: `${prefix}${filter}` }));
  return Object.keys(info.state.subjects ?? {}).map((subject) => subject.slice(prefix.length));
}

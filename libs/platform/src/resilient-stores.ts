import { randomUUID } from 'node:crypto';
import { type JetStreamClient, JetStreamApiCodes, JetStreamApiError, type JetStreamPublishOptions } from '@nats-io/jetstream';
import { type KV, type KvEntry } from '@nats-io/kv';
import { type ObjectStore } from '@nats-io/obj';
import { retryTransient, type TransientRetryPolicy } from './transient-retry';

/**
 * KV, JetStream publishing and the Object Store as every service uses them, each call retried
 * through failures that pass (`retryTransient`): on a NATS cluster a stream's leader lost with
 * its server is replaced within seconds, and a write in that gap must wait for the new leader,
 * not fail the job or the command it belongs to. The objects keep their types, so no caller
 * changes; what is not listed here (watches, listings through consumers) is passed through.
 */

/** KV calls retried. A compare-and-set write recognises its own earlier attempt having landed (its answer lost). */
export function resilientKv(kv: KV, bucket: string, policy: TransientRetryPolicy = {}): KV {
  const name = `kv ${bucket}`;
  const retried = {
    get: (key: string, opts?: { revision: number }) => retryTransient(`${name} get ${key}`, () => kv.get(key, opts), policy),
    status: () => retryTransient(`${name} status`, () => kv.status(), policy),
    put: (key: string, data: Parameters<KV['put']>[1], opts?: Parameters<KV['put']>[2]) =>
      retryTransient(`${name} put ${key}`, (attempt) => kv.put(key, data, opts).catch((error: unknown) => adoptOwnWrite(kv, key, data, attempt, error)), policy),
    create: (key: string, data: Parameters<KV['create']>[1], markerTtl?: string) =>
      retryTransient(`${name} create ${key}`, (attempt) => kv.create(key, data, markerTtl).catch((error: unknown) => adoptOwnWrite(kv, key, data, attempt, error)), policy),
    update: (key: string, data: Parameters<KV['update']>[1], version: number, timeout?: number) =>
      retryTransient(`${name} update ${key}`, (attempt) => kv.update(key, data, version, timeout).catch((error: unknown) => adoptOwnWrite(kv, key, data, attempt, error)), policy),
    delete: (key: string, opts?: Parameters<KV['delete']>[1]) =>
      retryTransient(`${name} delete ${key}`, (attempt) => kv.delete(key, opts).catch((error: unknown) => adoptOwnDelete(kv, key, attempt, error)), policy),
  } satisfies Partial<Record<keyof KV, unknown>>;
  return passThrough(kv, retried);
}

/** How a client's consumers are got (`resilientJetStream`). */
export interface ConsumerGetting {
  /** The client that creates them: one with a short request timeout. @default the client itself */
  client?: JetStreamClient;
  /** How long getting one keeps trying, in ms. @default the policy's `totalMs` */
  totalMs?: number;
}

/**
 * Publishing retried; each message gets an id of its own, so that a retry of one that landed is
 * dropped as a duplicate. Getting a consumer (which creates an ordered one) is retried too, at
 * once rather than after growing waits and best through a client with a short timeout: nats-server
 * 2.9 goes on placing ephemeral consumers on a lost server of its cluster for a minute or more,
 * and a creation placed there never answers while the next one may be placed on a live server.
 */
export function resilientJetStream(js: JetStreamClient, policy: TransientRetryPolicy = {}, getting: ConsumerGetting = {}): JetStreamClient {
  const consumerPolicy: TransientRetryPolicy = { ...policy, maxDelayMs: 200, ...(getting.totalMs !== undefined ? { totalMs: getting.totalMs } : {}) };
  const creator = getting.client ?? js;
  const consumers = passThrough(js.consumers, {
    get: (stream: string, opts?: Parameters<JetStreamClient['consumers']['get']>[1]) => retryTransient(`consumer of ${stream}`, () => creator.consumers.get(stream, opts), consumerPolicy),
  } satisfies Partial<Record<keyof JetStreamClient['consumers'], unknown>>);
  const retried = {
    consumers,
    publish: (subject: string, data?: Parameters<JetStreamClient['publish']>[1], opts?: Partial<JetStreamPublishOptions>) => {
      const options = { ...opts, msgID: opts?.msgID ?? randomUUID() };
      return retryTransient(`publish ${subject}`, () => js.publish(subject, data, options), policy);
    },
  } satisfies Partial<Record<keyof JetStreamClient, unknown>>;
  return passThrough(js, retried);
}

/** Reads, deletes and whole-blob writes retried; a streamed `put` cannot be replayed and is passed through. */
export function resilientObjectStore(store: ObjectStore, policy: TransientRetryPolicy = {}): ObjectStore {
  const retried = {
    get: (name: string) => retryTransient(`object get ${name}`, () => store.get(name), policy),
    getBlob: (name: string) => retryTransient(`object get ${name}`, () => store.getBlob(name), policy),
    info: (name: string) => retryTransient(`object info ${name}`, () => store.info(name), policy),
    list: () => retryTransient('object list', () => store.list(), policy),
    delete: (name: string) => retryTransient(`object delete ${name}`, () => store.delete(name), policy),
    putBlob: (meta: Parameters<ObjectStore['putBlob']>[0], data: Parameters<ObjectStore['putBlob']>[1], opts?: Parameters<ObjectStore['putBlob']>[2]) =>
      retryTransient(`object put ${meta.name}`, () => store.putBlob(meta, data, opts), policy),
    status: (opts?: Parameters<ObjectStore['status']>[0]) => retryTransient('object status', () => store.status(opts), policy),
  } satisfies Partial<Record<keyof ObjectStore, unknown>>;
  return passThrough(store, retried);
}

/**
 * The object with `retried` in place of its methods of those names; every other method is
 * bound to the object itself (the clients keep private fields, which a proxy as `this` would
 * not reach). `instanceof` still sees the original class.
 */
function passThrough<T extends object>(target: T, retried: object): T {
  return new Proxy(target, {
    get(object, property) {
      if (Object.prototype.hasOwnProperty.call(retried, property)) return (retried as Record<PropertyKey, unknown>)[property];
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}

function isWrongRevision(error: unknown): boolean {
  return error instanceof JetStreamApiError && (error.code === JetStreamApiCodes.StreamWrongLastSequence || error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);
}

/**
 * A retried compare-and-set refused because the revision moved on: if the key now holds exactly
 * what this write carried, an earlier attempt landed and only its answer was lost, so the write
 * succeeded (at that revision). Anything else is the caller's conflict, thrown as it came.
 */
async function adoptOwnWrite(kv: KV, key: string, data: Parameters<KV['put']>[1], attempt: number, error: unknown): Promise<number> {
  if (attempt === 0 || !isWrongRevision(error)) throw error;
  const entry: KvEntry | null = await kv.get(key);
  if (entry?.operation === 'PUT' && sameBytes(entry.value, typeof data === 'string' ? new TextEncoder().encode(data) : data)) return entry.revision;
  throw error;
}

async function adoptOwnDelete(kv: KV, key: string, attempt: number, error: unknown): Promise<void> {
  if (attempt === 0 || !isWrongRevision(error)) throw error;
  const entry = await kv.get(key);
  if (entry?.operation === 'DEL' || entry?.operation === 'PURGE') return;
  throw error;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

import { type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, RetentionPolicy, StorageType, JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { Nats } from '@gpulab/contracts';
import { resilientJetStream, resilientKv, resilientObjectStore } from './resilient-stores';
import { isTransientNatsError, retryTransient, type TransientRetryPolicy } from './transient-retry';

export interface JetStreamResources {
  js: JetStreamClient;
  jobs: KV;
  calendar: KV;
  artifacts: ObjectStore;
  /** Uploaded artifacts' records and uploads in progress (`ArtifactKeys`). */
  artifactIndex: KV;
}

const EVENT_RETENTION_NS = 90 * 24 * 3600 * 1e9;

export interface JetStreamResourceOptions {
  /**
   * How every call on the resources is retried through failures that pass (a stream's leader
   * being elected on a cluster); `onRetry` is where a service logs why a call is slow.
   */
  retry?: TransientRetryPolicy;
  /**
   * How long opening keeps trying, in ms, while JetStream does not answer: a cluster's servers
   * start one after the other and elect a meta leader before any stream can be created, so a
   * service started with them waits (told through `retry.onRetry`) instead of exiting.
   * @default 60000
   */
  openTimeoutMs?: number;
}

const OPEN_TIMEOUT_MS = 60_000;
/**
 * How long creating a consumer may take before it is asked again: it takes milliseconds when
 * it works, and one placed on a lost server never answers (`resilientJetStream`).
 */
const CONSUMER_CREATE_TIMEOUT_MS = 1_000;
/** How long getting a consumer keeps trying; a reader that can do without one (the gateway's job feed) then does. */
const CONSUMER_GET_TOTAL_MS = 5_000;

/**
 * Opens (creating when missing) the stream, bucket and object store every service uses, each
 * with its calls retried through failures that pass (`resilient-stores.ts`). Idempotent, so any
 * service may start first.
 */
export async function openJetStreamResources(nc: NatsConnection, replicas = 1, options: JetStreamResourceOptions = {}): Promise<JetStreamResources> {
  const opening = { ...options.retry, totalMs: options.openTimeoutMs ?? OPEN_TIMEOUT_MS, retryable: isPassingWhileOpening };
  const jsm = await retryTransient('open JetStream', () => jetstreamManager(nc), opening);
  for (const [name, subject] of [
    [Nats.eventsStream, Nats.eventsWildcard],
    [Nats.noticesStream, Nats.noticesWildcard],
    [Nats.logsStream, Nats.logsWildcard],
  ] as const) {
    await retryTransient(`open stream ${name}`, () => ensureStream(jsm, name, subject, replicas), opening);
  }
  const js = jetstream(nc);
  const kvm = new Kvm(js);
  const bucket = async (name: string, history: number) => resilientKv(await retryTransient(`open bucket ${name}`, () => kvm.create(name, { history, replicas }), opening), name, options.retry);
  const jobs = await bucket(Nats.jobsBucket, 5);
  const calendar = await bucket(Nats.calendarBucket, 5);
  const artifacts = resilientObjectStore(await retryTransient(`open object store ${Nats.artifactsBucket}`, () => new Objm(js).create(Nats.artifactsBucket, { replicas }), opening), options.retry);
  const artifactIndex = await bucket(Nats.artifactIndexBucket, 1);
  return { js: resilientJetStream(js, options.retry, { client: jetstream(nc, { timeout: CONSUMER_CREATE_TIMEOUT_MS }), totalMs: CONSUMER_GET_TOTAL_MS }), jobs, calendar, artifacts, artifactIndex };
}

/** No placement for the copies: the servers of a cluster starting together have not all met yet. */
const NO_SUITABLE_PEERS = 10005;

/**
 * What passes while a cluster forms: anything that passes later too, and a refusal to place
 * copies before enough servers have met (where `replicas` is more than there are servers, it
 * never passes and opening fails with that message once its time is up).
 */
function isPassingWhileOpening(error: unknown): boolean {
  return isTransientNatsError(error) || (error instanceof JetStreamApiError && error.code === NO_SUITABLE_PEERS);
}

/** Creates a file-backed stream that keeps messages for the retention period, unless it exists. */
async function ensureStream(jsm: JetStreamManager, name: string, subject: string, replicas: number): Promise<void> {
  try {
    await jsm.streams.info(name);
  } catch (error) {
    // Only a stream that is not there is created: one whose leader is not answering yet exists.
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
    await jsm.streams.add({
      name,
      subjects: [subject],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: EVENT_RETENTION_NS,
      num_replicas: replicas,
    });
  }
}

/** Reads a whole object, or undefined when it does not exist. */
export async function readObject(store: ObjectStore, name: string): Promise<Uint8Array | undefined> {
  return (await store.getBlob(name)) ?? undefined;
}

import { type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { Nats } from '@gpulab/contracts';

export interface JetStreamResources {
  js: JetStreamClient;
  jobs: KV;
  calendar: KV;
  artifacts: ObjectStore;
  /** Uploaded artifacts' records and uploads in progress (`ArtifactKeys`). */
  artifactIndex: KV;
}

const EVENT_RETENTION_NS = 90 * 24 * 3600 * 1e9;

/**
 * Opens (creating when missing) the stream, bucket and object store every service uses.
 * Idempotent, so any service may start first.
 */
export async function openJetStreamResources(nc: NatsConnection, replicas = 1): Promise<JetStreamResources> {
  const jsm = await jetstreamManager(nc);
  await ensureStream(jsm, Nats.eventsStream, Nats.eventsWildcard, replicas);
  await ensureStream(jsm, Nats.noticesStream, Nats.noticesWildcard, replicas);
  await ensureStream(jsm, Nats.logsStream, Nats.logsWildcard, replicas);
  const js = jetstream(nc);
  const kvm = new Kvm(js);
  const jobs = await kvm.create(Nats.jobsBucket, { history: 5, replicas });
  const calendar = await kvm.create(Nats.calendarBucket, { history: 5, replicas });
  const artifacts = await new Objm(js).create(Nats.artifactsBucket, { replicas });
  const artifactIndex = await kvm.create(Nats.artifactIndexBucket, { history: 1, replicas });
  return { js, jobs, calendar, artifacts, artifactIndex };
}

/** Creates a file-backed stream that keeps messages for the retention period, unless it exists. */
async function ensureStream(jsm: JetStreamManager, name: string, subject: string, replicas: number): Promise<void> {
  try {
    await jsm.streams.info(name);
  } catch {
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

import { type ArtifactRecord, ArtifactKeys, ObjectMetadata, type StorageUsageView, uploadFiles, type UploadRecord } from '@gpulab/contracts';
import { listKvKeys } from './kv-keys';
import { type KV, type KvEntry } from '@nats-io/kv';
import { type ObjectInfo, type ObjectStore } from '@nats-io/obj';

/** The parts of a team's storage that `gpulab artifacts` shows apart. */
export type StoragePart = 'artifactBytes' | 'uploadBytes' | 'jobInputBytes' | 'jobOutputBytes';

/** What one record or object adds to its team's storage. */
export interface StorageItem {
  team: string;
  part: StoragePart;
  bytes: number;
  /** An upload in progress: when it is deleted unless more arrives. */
  expiresMs?: number;
}

/** A job's inline input or checkpoint as the index knows it, for the sweep that deletes it once the job ended. */
export interface StoredInput {
  name: string;
  jobId: string;
  team: string;
  modifiedMs: number;
}

/** An object a job stored, as the index knows it. */
export interface StoredJobObject {
  name: string;
  jobId: string;
  team: string;
  part: StoragePart;
  bytes: number;
  modifiedMs: number;
}

/** A removal the gateway made itself: no older revision of the key may bring it back. */
const REMOVED_HERE = Number.MAX_SAFE_INTEGER;

const JOB_OBJECT = /^jobs\/([^/]+)\/(.+)$/;

interface Entry {
  item?: StorageItem;
  revision: number;
  modifiedMs: number;
}

/**
 * Per-team storage totals, kept up to date entry by entry: each record or object is one key with
 * the revision it was seen at, so the same change seen twice (from the gateway's own write and
 * then from the store's feed) counts once, and an older revision arriving late changes nothing.
 * Asking for a team's usage reads three sums; nothing is listed per call.
 */
export class StorageIndex {
  private readonly entries = new Map<string, Entry>();
  private readonly totals = new Map<string, Record<StoragePart, number>>();

  /** Sets what `key` adds (undefined: nothing) as of `revision`. */
  apply(key: string, revision: number, item: StorageItem | undefined, modifiedMs = 0): void {
    const current = this.entries.get(key);
    if (current && (current.item ? revision < current.revision : revision <= current.revision)) return;
    if (current?.item) this.add(current.item, -1);
    if (item) this.add(item, 1);
    this.entries.set(key, { item, revision, modifiedMs });
  }

  /** The gateway removed `key` itself; a feed still carrying older revisions must not revive it. */
  removed(key: string): void {
    this.apply(key, REMOVED_HERE, undefined);
  }

  usage(team: string, limitBytes: number, exceptKey?: string): StorageUsageView {
    const sums = this.totals.get(team) ?? { artifactBytes: 0, uploadBytes: 0, jobInputBytes: 0, jobOutputBytes: 0 };
    const except = exceptKey === undefined ? undefined : this.entries.get(exceptKey)?.item;
    const less = (part: StoragePart) => sums[part] - (except?.team === team && except.part === part ? except.bytes : 0);
    return { team, artifactBytes: less('artifactBytes'), uploadBytes: less('uploadBytes'), jobInputBytes: less('jobInputBytes'), jobOutputBytes: less('jobOutputBytes'), limitBytes };
  }

  /** Teams that store anything. */
  teams(): string[] {
    return [...this.totals.keys()].sort();
  }

  /** Ids of a team's uploads in progress that are past their expiry, as last seen. */
  expiredUploads(team: string, nowMs: number): string[] {
    const out: string[] = [];
    for (const [key, entry] of this.entries) {
      const item = entry.item;
      if (item?.part === 'uploadBytes' && item.team === team && (item.expiresMs ?? Infinity) <= nowMs) out.push(key.slice(recordKey(ArtifactKeys.uploadPrefix).length));
    }
    return out;
  }

  /**
   * The objects stored now that only a job that has not ended needs: its inline input and its
   * checkpoint (read by a retried attempt, by no one after the job ended).
   */
  inputs(): StoredInput[] {
    return this.allJobObjects()
      .filter((o) => o.name === `jobs/${o.jobId}/input.f64` || o.name === `jobs/${o.jobId}/checkpoint`)
      .map(({ name, jobId, team, modifiedMs }) => ({ name, jobId, team, modifiedMs }));
  }

  /** Every counted object of one job (its input, result, files, checkpoint). */
  jobObjects(jobId: string): StoredJobObject[] {
    return this.allJobObjects().filter((o) => o.jobId === jobId);
  }

  /** Every counted job object, for sweeps that group them by job. */
  allJobObjects(): StoredJobObject[] {
    const out: StoredJobObject[] = [];
    for (const [key, entry] of this.entries) {
      if (!entry.item || !key.startsWith(OBJECT_KEY)) continue;
      const name = key.slice(OBJECT_KEY.length);
      const match = JOB_OBJECT.exec(name);
      if (match) out.push({ name, jobId: match[1], team: entry.item.team, part: entry.item.part, bytes: entry.item.bytes, modifiedMs: entry.modifiedMs });
    }
    return out;
  }

  private add(item: StorageItem, sign: 1 | -1): void {
    const sums = this.totals.get(item.team) ?? { artifactBytes: 0, uploadBytes: 0, jobInputBytes: 0, jobOutputBytes: 0 };
    sums[item.part] += sign * item.bytes;
    if (Object.values(sums).every((v) => v === 0)) this.totals.delete(item.team);
    else this.totals.set(item.team, sums);
  }
}

const RECORD_KEY = 'kv:';
const OBJECT_KEY = 'obj:';

export const recordKey = (key: string) => `${RECORD_KEY}${key}`;
export const objectKey = (name: string) => `${OBJECT_KEY}${name}`;

/** What an artifact-index record adds: an artifact its stored size, an upload its declared size. */
export function recordItem(key: string, value: unknown): StorageItem | undefined {
  if (key.startsWith(ArtifactKeys.artifactPrefix)) {
    const a = value as ArtifactRecord;
    return { team: a.team, part: 'artifactBytes', bytes: a.storedBytes };
  }
  if (key.startsWith(ArtifactKeys.uploadPrefix)) {
    const u = value as UploadRecord;
    return { team: u.team, part: 'uploadBytes', bytes: uploadFiles(u).reduce((sum, [, f]) => sum + f.sizeBytes, 0), expiresMs: Date.parse(u.expiresAt) };
  }
  return undefined;
}

/**
 * What an object adds: a job's objects count against the team their metadata names (an inline
 * input as a job input, the rest as job outputs). Artifacts are counted by their records, upload
 * chunks by their upload's declared size, so neither is counted here again.
 */
export function objectItem(info: Pick<ObjectInfo, 'name' | 'size' | 'deleted' | 'metadata'>): StorageItem | undefined {
  if (info.deleted) return undefined;
  const match = JOB_OBJECT.exec(info.name);
  const team = info.metadata?.[ObjectMetadata.team];
  if (!match || !team) return undefined;
  return { team, part: match[2] === 'input.f64' ? 'jobInputBytes' : 'jobOutputBytes', bytes: info.size };
}

/**
 * The index fed from the stores themselves: the artifact records and the Object Store's metadata,
 * read once at start and then followed as they change. Derived from what is stored, it cannot
 * drift from it the way a counter updated beside each write could after a crash. The gateway's
 * own writes are noted at once too, so a limit check right after a write sees it; removals the
 * gateway makes by purging a record's subject leave nothing on the feed, and are only noted.
 * (This holds for one gateway process, as the stack runs it.)
 */
export class StorageLedger extends StorageIndex {
  private readonly stops: (() => void)[] = [];

  constructor(
    private readonly index: KV,
    private readonly objects: ObjectStore,
  ) {
    super();
  }

  /** Follows both feeds from now, then reads what is there; revisions sort out the overlap. */
  async start(): Promise<void> {
    const records = await this.index.watch({ include: 'updates' });
    this.stops.push(() => records.stop());
    void (async () => {
      for await (const entry of records) this.noteRecord(entry);
    })().catch(() => undefined);
    const objects = await this.objects.watch({ includeHistory: false });
    this.stops.push(() => objects.stop());
    void (async () => {
      for await (const info of objects) this.noteObject(info);
    })().catch(() => undefined);
    for (const prefix of [ArtifactKeys.artifactPrefix, ArtifactKeys.uploadPrefix]) {
      for (const key of await listKvKeys(this.index, `${prefix}>`)) {
        const entry = await this.index.get(key);
        if (entry) this.noteRecord(entry);
      }
    }
    for (const info of await this.objects.list()) this.noteObject(info);
  }

  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
  }

  noteRecord(entry: Pick<KvEntry, 'key' | 'revision' | 'operation' | 'json'>): void {
    let item: StorageItem | undefined;
    try {
      item = entry.operation === 'PUT' ? recordItem(entry.key, entry.json()) : undefined;
    } catch {
      // A record that does not parse is refused wherever it is read; it stores nothing countable.
    }
    this.apply(recordKey(entry.key), entry.revision, item);
  }

  noteObject(info: Pick<ObjectInfo, 'name' | 'size' | 'deleted' | 'metadata' | 'revision' | 'mtime'>): void {
    this.apply(objectKey(info.name), info.revision, objectItem(info), Date.parse(info.mtime));
  }
}

import { storageSize, storageUsedBytes } from '@gpulab/contracts';
import { type JetStreamResources, objectItem, objectKey, type StorageIndex, StorageLedger } from '@gpulab/platform';

/** What the Object Store answers a stored write with. */
export type StoredObjectInfo = Awaited<ReturnType<JetStreamResources['artifacts']['put']>>;

/** A write that does not fit its team's storage; `message` is the team's limit in words. */
export class StorageFullError extends Error {
  constructor(
    readonly team: string,
    readonly limitBytes: number,
  ) {
    super(`team storage full (quota ${storageSize(limitBytes)})`);
    this.name = 'StorageFullError';
  }
}

/** What one write holds of its team's storage until it is stored or dropped. */
export interface StorageHold {
  /** Holds `bytes` more, or throws {@link StorageFullError} and holds nothing more. */
  grow(bytes: number): void;
  /** The write was stored: the ledger counts it from `info` now, and the hold ends. */
  stored(info: StoredObjectInfo): void;
  /** The write ended without being stored; safe to call more than once. */
  release(): void;
}

/**
 * Whether what a job writes fits its team's storage. Usage comes from the same `StorageLedger`
 * the gateway checks uploads with, fed from the same stores, against the same limit
 * (`GPULAB_TEAM_STORAGE_MB`), so both services count one team's storage alike; it is checked
 * here, where the bytes arrive, not in the worker, which runs beside the team's own code.
 *
 * Bytes of writes in progress are held per team, so two writes of one team cannot both take the
 * last space. A write that replaces an object (a checkpoint stored again) is not charged for the
 * version it replaces. The gateway and the scheduler each check their own writes: an upload and a
 * job's output at the same instant may both pass with room for one (by at most one file).
 */
export class TeamStorageRoom {
  private ledger?: StorageLedger;
  private readonly held = new Map<string, number>();

  constructor(
    private readonly resources: Pick<JetStreamResources, 'artifactIndex' | 'artifacts'>,
    readonly limitBytes: number,
    /** For tests: an index filled by hand instead of one fed from the stores. */
    private readonly fixedIndex?: StorageIndex,
  ) {}

  /** Reads what is stored and follows it from then on. */
  async start(): Promise<void> {
    if (this.fixedIndex || this.ledger) return;
    const ledger = new StorageLedger(this.resources.artifactIndex, this.resources.artifacts);
    await ledger.start();
    this.ledger = ledger;
  }

  close(): void {
    this.ledger?.stop();
    this.ledger = undefined;
  }

  /** A hold for a write of `object` by one of `team`'s jobs, holding nothing yet. */
  hold(team: string, object: string): StorageHold {
    let bytes = 0;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const left = (this.held.get(team) ?? 0) - bytes;
      if (left > 0) this.held.set(team, left);
      else this.held.delete(team);
    };
    return {
      grow: (more) => {
        const index = this.index();
        const stored = storageUsedBytes(index.usage(team, this.limitBytes, objectKey(object)));
        if (stored + (this.held.get(team) ?? 0) + more > this.limitBytes) throw new StorageFullError(team, this.limitBytes);
        bytes += more;
        this.held.set(team, (this.held.get(team) ?? 0) + more);
      },
      // Noted before the hold ends, so that no check in between sees the bytes neither held nor stored.
      stored: (info) => {
        this.index().apply(objectKey(info.name), info.revision, objectItem(info), Date.parse(info.mtime));
        end();
      },
      release: end,
    };
  }

  private index(): StorageIndex {
    const index = this.fixedIndex ?? this.ledger;
    if (!index) throw new Error('the storage ledger has not started');
    return index;
  }
}

import { isTerminalState, type JobRecord, jobKey, jobKeyPrefix } from '@gpulab/contracts';
import { listKvKeys } from '@gpulab/platform';
import { JobQueueIndex } from '@gpulab/scheduling';
import { type KV } from '@nats-io/kv';
import { RevisionConflictError } from './errors';

interface Entry {
  record: JobRecord;
  revision: number;
}

/**
 * The jobs, kept in JetStream KV and mirrored in memory. Every write is a compare-and-set on the
 * revision read, so a second scheduler (or a stale one) can never overwrite a newer state.
 */
export class JobStore {
  private readonly entries = new Map<string, Entry>();
  /** Ids of jobs not in a terminal state, in creation order (a Set keeps insertion order). */
  private readonly unfinishedIds = new Set<string>();
  /** Unfinished jobs per team, kept with `unfinishedIds`: a submission's cap is checked without a scan. */
  private readonly unfinishedPerTeam = new Map<string, number>();
  /** The unfinished jobs as a cycle reads them; kept with every write. */
  readonly queue = new JobQueueIndex();

  constructor(private readonly kv: KV) {}

  /** Reads every job from KV; called once at start. */
  async load(): Promise<number> {
    this.entries.clear();
    this.unfinishedIds.clear();
    this.unfinishedPerTeam.clear();
    for (const job of this.queue.all()) this.queue.remove(job.id);
    for (const key of await listKvKeys(this.kv, `${jobKeyPrefix}>`)) {
      const entry = await this.kv.get(key);
      if (!entry || entry.operation !== 'PUT') continue;
      const record = entry.json<JobRecord>();
      this.entries.set(record.id, { record, revision: entry.revision });
    }
    // KV lists keys in no particular order; a cycle wants creation order.
    const byCreation = [...this.entries.values()].sort((a, b) => (a.record.createdAt < b.record.createdAt ? -1 : a.record.createdAt > b.record.createdAt ? 1 : 0));
    this.entries.clear();
    for (const e of byCreation) this.remember(e);
    return this.entries.size;
  }

  private remember(entry: Entry): void {
    const previous = this.entries.get(entry.record.id)?.record;
    if (previous && !isTerminalState(previous.state)) this.countUnfinished(previous.team, -1);
    this.entries.set(entry.record.id, entry);
    this.queue.upsert(entry.record);
    if (isTerminalState(entry.record.state)) {
      this.unfinishedIds.delete(entry.record.id);
    } else {
      this.unfinishedIds.add(entry.record.id);
      this.countUnfinished(entry.record.team, 1);
    }
  }

  private countUnfinished(team: string, by: number): void {
    const count = (this.unfinishedPerTeam.get(team) ?? 0) + by;
    if (count > 0) this.unfinishedPerTeam.set(team, count);
    else this.unfinishedPerTeam.delete(team);
  }

  /** How many of a team's jobs have not ended (queued, scheduled or running); O(1). */
  unfinishedCount(team: string): number {
    return this.unfinishedPerTeam.get(team) ?? 0;
  }

  get(id: string): JobRecord | undefined {
    return this.entries.get(id)?.record;
  }

  /** Every job, in the order they were created. */
  all(): JobRecord[] {
    return [...this.entries.values()].map((e) => e.record);
  }

  /** Jobs that have not ended, in the order they were created: what a cycle looks at. */
  unfinished(): JobRecord[] {
    const out: JobRecord[] = [];
    for (const id of this.unfinishedIds) {
      const record = this.entries.get(id)?.record;
      if (record) out.push(record);
    }
    return out;
  }

  /** Stores a new job; returns false when the id exists already (a retried submit). */
  async create(record: JobRecord, onStored?: () => void): Promise<boolean> {
    try {
      const revision = await this.kv.create(jobKey(record.id), JSON.stringify(record));
      // Before the job becomes visible to anything reading the store.
      onStored?.();
      this.remember({ record, revision });
      return true;
    } catch (error) {
      const existing = await this.kv.get(jobKey(record.id));
      if (existing && existing.operation === 'PUT') {
        this.remember({ record: existing.json<JobRecord>(), revision: existing.revision });
        return false;
      }
      throw error;
    }
  }

  /**
   * Replaces a job with `change(current)`. On a revision conflict the in-memory copy is refreshed
   * from KV and the error thrown: the caller decides again on the fresh state.
   */
  async update(id: string, change: (current: JobRecord) => JobRecord): Promise<JobRecord> {
    const entry = this.entries.get(id);
    if (!entry) throw new Error(`job ${id} is not loaded`);
    const next = change(entry.record);
    try {
      const revision = await this.kv.update(jobKey(id), JSON.stringify(next), entry.revision);
      this.remember({ record: next, revision });
      return next;
    } catch (error) {
      const fresh = await this.kv.get(jobKey(id));
      if (fresh && fresh.operation === 'PUT') this.remember({ record: fresh.json<JobRecord>(), revision: fresh.revision });
      throw new RevisionConflictError(jobKey(id), { cause: error });
    }
  }
}

import { type BenchScheduleRecord, BenchScheduleKeys } from '@gpulab/contracts';
import { listKvKeys } from '@gpulab/platform';
import { type KV } from '@nats-io/kv';
import { RevisionConflictError } from './errors';

/** A schedule as read, with the KV revision its next write must match. */
export interface StoredBenchSchedule {
  record: BenchScheduleRecord;
  revision: number;
}

/**
 * Benchmark schedules in KV (`BenchScheduleKeys`, in the jobs bucket). Not mirrored in memory:
 * a course has a handful, read at each check. Every write is a compare-and-set on the revision
 * read, so of two schedulers (or one before and after a restart) only one records a firing.
 */
export class BenchScheduleStore {
  constructor(private readonly kv: KV) {}

  async all(): Promise<StoredBenchSchedule[]> {
    const stored: StoredBenchSchedule[] = [];
    for (const key of await listKvKeys(this.kv, `${BenchScheduleKeys.prefix}>`)) {
      const entry = await this.kv.get(key);
      if (entry?.operation === 'PUT') stored.push({ record: entry.json<BenchScheduleRecord>(), revision: entry.revision });
    }
    return stored.sort((a, b) => (a.record.createdAt < b.record.createdAt ? -1 : a.record.createdAt > b.record.createdAt ? 1 : 0));
  }

  async get(id: string): Promise<StoredBenchSchedule | undefined> {
    const entry = await this.kv.get(BenchScheduleKeys.schedule(id));
    return entry?.operation === 'PUT' ? { record: entry.json<BenchScheduleRecord>(), revision: entry.revision } : undefined;
  }

  async create(record: BenchScheduleRecord): Promise<StoredBenchSchedule> {
    const revision = await this.kv.create(BenchScheduleKeys.schedule(record.id), JSON.stringify(record));
    return { record, revision };
  }

  /** Writes `record` over `stored`; `RevisionConflictError` when someone wrote it since. */
  async update(stored: StoredBenchSchedule, record: BenchScheduleRecord): Promise<StoredBenchSchedule> {
    const key = BenchScheduleKeys.schedule(record.id);
    try {
      return { record, revision: await this.kv.update(key, JSON.stringify(record), stored.revision) };
    } catch (error) {
      throw new RevisionConflictError(key, { cause: error });
    }
  }

  async remove(stored: StoredBenchSchedule): Promise<void> {
    await this.kv.delete(BenchScheduleKeys.schedule(stored.record.id), { previousSeq: stored.revision });
  }
}

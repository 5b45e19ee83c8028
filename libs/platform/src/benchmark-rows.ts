import { type BenchmarkHistoryRow, BenchmarkKeys } from '@gpulab/contracts';
import { type KV } from '@nats-io/kv';
import { listKvKeys } from './kv-keys';

/** Every benchmark history row kept in the jobs bucket, in no particular order. A course's history is a few hundred rows: all are read. */
export async function readBenchmarkRows(jobs: KV): Promise<BenchmarkHistoryRow[]> {
  const rows: BenchmarkHistoryRow[] = [];
  for (const key of await listKvKeys(jobs, `${BenchmarkKeys.prefix}>`)) {
    const entry = await jobs.get(key);
    if (entry?.operation === 'PUT') rows.push(entry.json<BenchmarkHistoryRow>());
  }
  return rows;
}

import { type BenchmarkHistoryRow, pb } from '@gpulab/contracts';
import { readBenchmarkRows } from '@gpulab/platform';
import { type KV } from '@nats-io/kv';

/** The course's benchmark table, read straight from KV: every caller sees every team's rows. */
export class BenchmarkRows {
  constructor(private readonly jobs: KV) {}

  /** Oldest first, as the regressions are judged. */
  async list(req: pb.ListBenchmarkRowsRequest): Promise<pb.ListBenchmarkRowsResponse> {
    const model = req.model.trim();
    const backend = req.backend.trim();
    const rows = (await readBenchmarkRows(this.jobs))
      .filter((row) => (!model || row.model === model) && (!backend || row.backend === backend))
      .sort((a, b) => Date.parse(a.date) - Date.parse(b.date) || a.jobId.localeCompare(b.jobId));
    return { rows: rows.map(toProto) };
  }
}

function toProto(row: BenchmarkHistoryRow): pb.BenchmarkRow {
  return { ...row, versions: { ...row.versions } };
}

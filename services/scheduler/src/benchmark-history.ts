import { type BenchmarkHistoryRow, BenchmarkKeys, flagRegressions, type FlaggedBenchmarkRow, historyRowsOfResult, type Notice, noticeSubject, TUTOR_NOTICES } from '@gpulab/contracts';
import { readBenchmarkRows } from '@gpulab/platform';
import { type JetStreamClient } from '@nats-io/jetstream';
import { type KV } from '@nats-io/kv';
import { type Clock } from './clock';

/**
 * Keeps every finished benchmark row (KV `BenchmarkKeys`, in the jobs bucket) and tells the
 * tutors of a row that is a regression against the history before it.
 */
export class BenchmarkHistory {
  constructor(
    private readonly kv: KV,
    private readonly js: JetStreamClient,
    private readonly clock: Clock,
  ) {}

  /** Every row kept, in no particular order. */
  rows(): Promise<BenchmarkHistoryRow[]> {
    return readBenchmarkRows(this.kv);
  }

  /**
   * Records a succeeded benchmark job's rows, flags them against the history and sends the
   * tutors a notice for each regression; returns the new rows as flagged. Keys are the job's id
   * and the row's place, so recording the same result twice writes the same entries.
   */
  async record(jobId: string, result: unknown): Promise<FlaggedBenchmarkRow[]> {
    const date = this.clock.now().toISOString();
    const added = historyRowsOfResult(jobId, date, result);
    if (added.length === 0) return [];
    const earlier = (await this.rows()).filter((row) => row.jobId !== jobId);
    const flagged = flagRegressions([...earlier, ...added]).filter((row) => row.jobId === jobId);
    for (const [index, row] of added.entries()) await this.kv.put(BenchmarkKeys.row(jobId, index), JSON.stringify(row));
    for (const row of flagged) {
      if (!row.regression) continue;
      const message =
        `benchmark regression: ${row.model} on ${row.backend} (${row.device}, batch ${row.batchSize}, ${row.inputSize} px) took ${row.secondsPer1000Images} s per 1,000 images ` +
        `in job ${jobId}, ${Math.round((row.regression.ratio - 1) * 100)}% slower than the median ${row.regression.median} s of the last comparable runs`;
      const notice: Notice = { audience: TUTOR_NOTICES, time: date, message };
      await this.js.publish(noticeSubject(TUTOR_NOTICES), JSON.stringify(notice));
    }
    return flagged;
  }
}

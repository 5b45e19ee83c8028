import { LOG_LIMITS, type LogBatch, type LogLine } from '@gpulab/contracts';

/**
 * Gathers an attempt's log lines into numbered batches of at most `maxBatchBytes` (counting the
 * text; the JSON around it is small). Pure: the caller decides when a partial batch is due.
 */
export class LogBatcher {
  private lines: LogLine[] = [];
  private bytes = 0;
  private seq = 0;

  constructor(
    private readonly jobId: string,
    private readonly attempt: number,
    private readonly maxBatchBytes: number = LOG_LIMITS.maxBatchBytes,
  ) {}

  /** Whether lines are waiting for a batch. */
  get pending(): boolean {
    return this.lines.length > 0;
  }

  /** Adds a line; answers the batch it completed, when it did. */
  add(line: LogLine): LogBatch | undefined {
    const size = Buffer.byteLength(line.text) + 48;
    const full = this.lines.length > 0 && this.bytes + size > this.maxBatchBytes ? this.take() : undefined;
    this.lines.push(line);
    this.bytes += size;
    return full;
  }

  /** The lines gathered so far as a batch, if any. */
  take(): LogBatch | undefined {
    if (this.lines.length === 0) return undefined;
    this.seq += 1;
    const batch: LogBatch = { jobId: this.jobId, attempt: this.attempt, seq: this.seq, lines: this.lines };
    this.lines = [];
    this.bytes = 0;
    return batch;
  }
}

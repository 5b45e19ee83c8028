import { encodeLogBatch, jobLogSubject, LOG_LIMITS, type LogBatch, type LogLine } from '@gpulab/contracts';
import { type Logger } from '@gpulab/platform';
import { type JetStreamClient } from '@nats-io/jetstream';
import { LogBatcher } from './log-batcher';

/** Batches waiting for their publish at most; beyond, batches are dropped and counted (the rates keep this rare). */
const MAX_IN_FLIGHT = 64;

/**
 * Publishes an attempt's log lines to `GPULAB_LOGS` in batches: when one is full, or
 * `flushMs` after its first line. Publishing never holds up the caller: batches go out one after
 * another in the background, and a store that stops answering costs lines, not the command's
 * progress.
 */
export class LogPublisher {
  private readonly batcher: LogBatcher;
  private timer?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();
  private inFlight = 0;
  /** Batches lost: the stream refused them or too many waited. */
  lostBatches = 0;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jobId: string,
    private readonly attempt: number,
    private readonly log: Logger,
  ) {
    this.batcher = new LogBatcher(jobId, attempt);
  }

  write(line: LogLine): void {
    const full = this.batcher.add(line);
    if (full) this.send(full);
    if (this.batcher.pending && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        const batch = this.batcher.take();
        if (batch) this.send(batch);
      }, LOG_LIMITS.flushMs);
    }
  }

  /** Sends what is gathered and waits for every publish; safe to call twice. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.batcher.take();
    if (batch) this.send(batch);
    await this.chain;
  }

  private send(batch: LogBatch): void {
    if (this.inFlight >= MAX_IN_FLIGHT) {
      this.lostBatches += 1;
      return;
    }
    this.inFlight += 1;
    const subject = jobLogSubject(this.jobId, this.attempt);
    this.chain = this.chain
      .then(() => this.js.publish(subject, encodeLogBatch(batch)))
      .then(
        () => undefined,
        (error: unknown) => {
          this.lostBatches += 1;
          this.log.warn({ err: (error as Error).message, seq: batch.seq }, 'a log batch could not be stored');
        },
      )
      .finally(() => void (this.inFlight -= 1));
  }
}

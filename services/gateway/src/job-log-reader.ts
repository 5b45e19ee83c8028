import { decodeLogBatch, type JobLogLineView, jobLogsFilter, LOG_READ_LIMITS, type LogStreamName, Nats } from '@gpulab/contracts';
import { type Consumer, DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';

/** What one reader asked for. */
export interface LogReadRequest {
  /** After the lines printed so far, go on until the job has ended and every line is read. */
  follow: boolean;
  /** Only the last this many lines printed so far; 0: all. At most `LOG_READ_LIMITS.maxTail`. */
  tail: number;
  /** Milliseconds since the epoch: only lines read at or after it. */
  sinceMs?: number;
  /** Only this stream's lines. */
  stream?: LogStreamName;
  /** Whether the job has ended; asked only while following. */
  isOver(): Promise<boolean>;
  /** Aborts when the client goes away or its token stops working. */
  signal: AbortSignal;
}

/** Options of `JobLogReader`, in ms. */
export interface JobLogReaderOptions {
  /** How long a fetch waits for new lines while following (the client library's least). @default 1000 */
  fetchWaitMs?: number;
  /** While following a quiet job, how often it is asked whether it ended. @default 3000 */
  endCheckMs?: number;
}

const DEFAULTS: Required<JobLogReaderOptions> = { fetchWaitMs: 1000, endCheckMs: 3000 };
/** Messages asked for per fetch: a few batches' worth, read and sent before the next fetch. */
const FETCH_MESSAGES = 64;

/**
 * A job's output lines from `GPULAB_LOGS`, oldest first, every attempt's: one ordered consumer
 * per reader on `jobLogsFilter(jobId)`, in windows of at most `LOG_READ_LIMITS.linesPerReply`
 * lines. A malformed message is skipped, never an error of the call.
 *
 * Unlike `JobEventFeed`, readers do not share a consumer: a `logs` call mostly reads what was
 * printed and ends, and a `--since` or `--stream` reader wants a consumer of its own anyway.
 * Following ends when the job is over and nothing is left to read: the job is asked first and
 * the stream read to its end after, so every line published before the job's end is sent.
 */
export class JobLogReader {
  private readonly options: Required<JobLogReaderOptions>;

  constructor(
    private readonly js: JetStreamClient,
    options: JobLogReaderOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  async *read(jobId: string, request: LogReadRequest): AsyncGenerator<JobLogLineView[]> {
    const since = request.sinceMs === undefined ? { deliver_policy: DeliverPolicy.All } : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(request.sinceMs).toISOString() };
    const consumer = await this.js.consumers.get(Nats.logsStream, { filter_subjects: jobLogsFilter(jobId), ...since });
    const windows = new ReplyWindows(request.tail);
    const wanted = (line: JobLogLineView) => (!request.stream || line.stream === request.stream) && (request.sinceMs === undefined || line.at >= request.sinceMs);
    try {
      for await (const line of this.readCounted(consumer, (await consumer.info()).num_pending, request.signal)) if (wanted(line)) yield* windows.add(line);
      yield* windows.flush();
      // A tail is of the lines printed so far; what follows them is sent as it comes.
      windows.stopKeeping();
      if (!request.follow) return;
      let checkedAt = -Infinity;
      while (!request.signal.aborted) {
        // Asked before reading: once the job is over, what is read after is all it printed.
        const due = Date.now() - checkedAt >= this.options.endCheckMs;
        const over = due ? await request.isOver() : false;
        if (due) checkedAt = Date.now();
        // Over: read until a wait finds nothing more; else one wait for what comes next.
        let found = 0;
        do {
          found = 0;
          for await (const { line } of this.next(consumer, request.signal)) {
            found++;
            if (line && wanted(line)) yield* windows.add(line);
          }
          yield* windows.flush();
        } while (over && found > 0 && !request.signal.aborted);
        if (over) return;
      }
    } finally {
      // An ordered consumer would otherwise linger on the server for its inactivity threshold.
      await consumer.delete().catch(() => undefined);
    }
  }

  /**
   * The lines of the next message, waiting up to `fetchWaitMs` for one, then of every message
   * that was there with it. Each fetch asks for no more messages than there are: an ordered
   * consumer's fetch stopped early drops the messages already on their way to it.
   */
  private async *next(consumer: Consumer, signal: AbortSignal): AsyncGenerator<{ line?: JobLogLineView }> {
    let left = 0;
    for await (const { line, pending } of this.fetch(consumer, 1, signal)) {
      left = pending;
      yield { line };
    }
    for await (const line of this.readCounted(consumer, left, signal)) yield { line };
  }

  /** The lines of the `count` messages known to be there, and of any that came meanwhile. */
  private async *readCounted(consumer: Consumer, count: number, signal: AbortSignal): AsyncGenerator<JobLogLineView> {
    let left = count;
    while (left > 0 && !signal.aborted) {
      let read = 0;
      for await (const { line, pending, first } of this.fetch(consumer, Math.min(left, FETCH_MESSAGES), signal)) {
        if (first) read++;
        left = pending;
        if (line) yield line;
      }
      // Fewer came than were counted (removed meanwhile by the stream's limits): nothing is left to wait for.
      if (read === 0) return;
    }
  }

  /** One fetch of `max` messages, as lines; `pending` is what the consumer has left after each message. */
  private async *fetch(consumer: Consumer, max: number, signal: AbortSignal): AsyncGenerator<{ line?: JobLogLineView; pending: number; first: boolean }> {
    const messages = await consumer.fetch({ max_messages: max, expires: this.options.fetchWaitMs });
    const stop = () => messages.stop();
    signal.addEventListener('abort', stop, { once: true });
    try {
      for await (const msg of messages) {
        const pending = msg.info.pending;
        const batch = decodeLogBatch(msg.data);
        if (!batch || batch.lines.length === 0) {
          yield { pending, first: true };
          continue;
        }
        for (const [i, line] of batch.lines.entries()) yield { line: { ...line, attempt: batch.attempt }, pending, first: i === 0 };
      }
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }
}

/** Lines gathered into replies; with a tail, only the last lines are kept until `flush`. */
class ReplyWindows {
  private lines: JobLogLineView[] = [];

  constructor(private tail: number) {}

  *add(line: JobLogLineView): Generator<JobLogLineView[]> {
    this.lines.push(line);
    if (this.tail > 0) {
      // Dropped in halves rather than one by one, so that keeping a tail costs no shift per line.
      if (this.lines.length >= 2 * this.tail) this.lines = this.lines.slice(-this.tail);
    } else if (this.lines.length >= LOG_READ_LIMITS.linesPerReply) {
      yield this.lines;
      this.lines = [];
    }
  }

  *flush(): Generator<JobLogLineView[]> {
    const lines = this.tail > 0 ? this.lines.slice(-this.tail) : this.lines;
    this.lines = [];
    for (let i = 0; i < lines.length; i += LOG_READ_LIMITS.linesPerReply) yield lines.slice(i, i + LOG_READ_LIMITS.linesPerReply);
  }

  stopKeeping(): void {
    this.tail = 0;
  }
}

import { type Readable } from 'node:stream';
import { type LogLine, type LogStreamName } from '@gpulab/contracts';
import { type CommandProgress, LineSplitter, LogRateLimiter, progressOfStdoutLine, StderrTail } from '@gpulab/run-job';

/**
 * Where a command's two streams go: each line stamped, the rates and the total kept (what is
 * over them is counted and told, never waited for), stderr's tail kept for a failure's reason,
 * and `::gpulab::` lines on stdout handed on as progress. The streams are always read to their
 * end, so a command never blocks on a full pipe.
 */
export class CommandOutput {
  private readonly limiter = new LogRateLimiter();
  readonly stderrTail = new StderrTail();
  private readonly ended: Promise<void>[] = [];

  constructor(
    private readonly sink: (line: LogLine) => void,
    private readonly onProgress: (progress: CommandProgress) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reads one of the command's streams to its end. */
  attach(stream: Readable, name: 'stdout' | 'stderr'): void {
    const splitter = new LineSplitter();
    const take = (lines: string[]) => {
      for (const text of lines) this.line(name, text);
    };
    this.ended.push(
      new Promise<void>((resolve) => {
        stream.on('data', (chunk: Buffer) => take(splitter.push(chunk)));
        stream.once('error', () => resolve());
        stream.once('end', () => {
          take(splitter.end());
          resolve();
        });
      }),
    );
  }

  /** gpulab's own note in the log (a timeout, a stop notice); not rate-limited. */
  note(text: string): void {
    this.sink({ at: this.now(), stream: 'gpulab', text });
  }

  /** Resolves once both streams ended, with any last note about dropped lines written. */
  async finished(): Promise<void> {
    await Promise.all(this.ended);
    for (const note of this.limiter.flush()) this.note(note);
  }

  private line(stream: LogStreamName, text: string): void {
    if (stream === 'stderr') this.stderrTail.add(text);
    if (stream === 'stdout') {
      const progress = progressOfStdoutLine(text);
      if (progress) this.onProgress(progress);
    }
    const at = this.now();
    const { keep, notes } = this.limiter.admit(Buffer.byteLength(text) + 1, at);
    // Stamped with the line's time, not a later one: a log's stamps never go back.
    for (const note of notes) this.sink({ at, stream: 'gpulab', text: note });
    if (keep) this.sink({ at, stream, text });
  }
}

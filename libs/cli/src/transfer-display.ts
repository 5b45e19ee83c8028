import { Presets, SingleBar } from 'cli-progress';
import { formatBytes } from './format';

/**
 * Shows an upload's or download's bytes on stderr: a live bar with the rate on a terminal, a
 * line per quarter elsewhere (logs, CI), so stdout stays free for the result and --json.
 */
export class TransferDisplay {
  private bar?: SingleBar;
  private total = 0;
  private lastQuarter = -1;
  private readonly startedAt = performance.now();

  constructor(
    private readonly verb: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, total: number, note = ''): void {
    if (this.out.isTTY) {
      if (!this.bar || total !== this.total) {
        this.bar?.stop();
        this.total = total;
        this.bar = new SingleBar(
          { format: ` ${this.verb} {bar} {percentage}% | {done} of {all} | {rate}/s {note}`, stream: this.out, hideCursor: true },
          Presets.shades_classic,
        );
        this.bar.start(Math.max(total, 1), 0, { done: '0 B', all: formatBytes(total), rate: '-', note });
      }
      this.bar.update(Math.min(done, Math.max(total, 1)), { done: formatBytes(done), all: formatBytes(total), rate: formatBytes(this.rate(done)), note });
      return;
    }
    const quarter = total > 0 ? Math.floor((4 * done) / total) : 4;
    if (quarter !== this.lastQuarter) {
      this.lastQuarter = quarter;
      this.out.write(`${this.verb} ${formatBytes(done)} of ${formatBytes(total)}${note ? ` ${note}` : ''}\n`);
    }
  }

  /** Prints a line below the bar (e.g. that the stream broke and the transfer goes on). */
  note(line: string): void {
    if (this.bar) this.out.write('\n');
    this.out.write(`${line}\n`);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  /** Seconds since the display was made. */
  get seconds(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  private rate(done: number): number {
    return this.seconds > 0 ? done / this.seconds : 0;
  }
}

import { SingleBar, Presets } from 'cli-progress';
import { type JobEventView } from '@gpulab/sdk';
import { eventLine, progressText } from './format';
import { type TimeOptions } from './time-format';

type ProgressEvent = Extract<JobEventView, { type: 'progress' }>;
type LogEvent = Extract<JobEventView, { type: 'log' }>;

/**
 * Shows a job's events on stderr, one line each: a live progress bar on a terminal, with the
 * other lines written above it (the bar kept at its place, not redrawn from 0%), and plain
 * lines elsewhere (logs, CI), so stdout stays free for results and --json.
 */
export class WatchDisplay {
  private bar?: SingleBar;
  private lastProgress?: ProgressEvent;
  private lastLog?: string;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly time: TimeOptions = {},
  ) {}

  show(event: JobEventView): void {
    if (event.type === 'log' && this.repeats(event)) return;
    if (event.type === 'log') this.lastLog = event.message;
    if (event.type === 'progress') {
      this.lastProgress = event;
      if (this.out.isTTY) return this.drawBar(event);
    }
    this.above(eventLine(event, this.time));
  }

  /** A line of the CLI's own (not an event), e.g. why the job waits. */
  note(line: string): void {
    this.above(line);
  }

  stopBar(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  /**
   * True for a log line that says again what was just said: a step the last progress event
   * already gave with the same numbers (t-SNE reports each step both ways), or the end of the
   * log line before it ("…, so t-SNE runs on the CPU" then "t-SNE runs on the CPU").
   */
  private repeats(event: LogEvent): boolean {
    if (this.lastLog?.endsWith(event.message)) return true;
    const progress = this.lastProgress?.message;
    if (!progress || firstWord(progress) !== firstWord(event.message)) return false;
    const numbers = new Set(numbersIn(progress));
    const said = numbersIn(event.message);
    return said.length > 0 && said.every((n) => numbers.has(n));
  }

  private drawBar(event: ProgressEvent): void {
    const value = Math.round(event.fraction * 100);
    const message = progressText(event);
    if (this.bar) return this.bar.update(value, { message });
    // Cleared when stopped, so a line written above it leaves no stale copy behind; started at
    // the fraction it had, so it is not drawn from 0% after each such line.
    this.bar = new SingleBar({ format: ' {bar} {percentage}% | {message}', stream: this.out, hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
    this.bar.start(100, value, { message });
  }

  /** Writes a line; on a terminal the bar goes below it again at the fraction it had. */
  private above(line: string): void {
    const hadBar = !!this.bar;
    this.stopBar();
    this.out.write(`${line}\n`);
    if (hadBar && this.lastProgress) this.drawBar(this.lastProgress);
  }
}

function firstWord(text: string): string {
  return text.trim().split(/[\s:,]/)[0].toLowerCase();
}

function numbersIn(text: string): string[] {
  return text.match(/\d+(\.\d+)?/g) ?? [];
}

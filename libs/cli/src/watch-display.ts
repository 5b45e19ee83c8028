import { SingleBar, Presets } from 'cli-progress';
import { type JobEventView } from '@gpulab/sdk';
import { eventLine } from './format';

/**
 * Shows a job's events on stderr: a live progress bar on a terminal, plain lines elsewhere
 * (logs, CI), so stdout stays free for results and --json.
 */
export class WatchDisplay {
  private bar?: SingleBar;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  show(event: JobEventView): void {
    if (event.type === 'progress' && this.out.isTTY) {
      if (!this.bar) {
        this.bar = new SingleBar({ format: ' {bar} {percentage}% | {message}', stream: this.out, hideCursor: true }, Presets.shades_classic);
        this.bar.start(100, 0, { message: '' });
      }
      this.bar.update(Math.round(event.fraction * 100), { message: event.message });
      return;
    }
    this.stopBar();
    this.out.write(`${eventLine(event)}\n`);
  }

  /** A line of the CLI's own (not an event), e.g. why the job waits. */
  note(line: string): void {
    this.stopBar();
    this.out.write(`${line}\n`);
  }

  stopBar(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

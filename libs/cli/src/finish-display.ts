import { type UploadProgress } from '@gpulab/sdk';
import { TransferDisplay } from './transfer-display';

/** How often the time spent is said when the gateway does not report its own progress. */
const ELAPSED_EVERY_MS = 5000;

const PHASE_LINES: Partial<Record<string, string>> = {
  waiting: 'waiting for its turn: the gateway finishes a few uploads at a time',
  storing: 'storing it',
};

/**
 * What `gpulab upload` shows while the gateway finishes an upload: a bar for each phase that
 * reads the file (checking the checksums, parsing), a line for the others, and when the gateway
 * says nothing of its progress (an older one), the seconds spent every few seconds.
 */
export class FinishDisplay {
  private started = false;
  private phase?: string;
  private bar?: TransferDisplay;
  private lastElapsedAt = 0;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  update(p: UploadProgress): void {
    if (!this.started) {
      this.started = true;
      this.lastElapsedAt = Date.now();
      this.out.write('checking, parsing and storing it on the gateway…\n');
    }
    const finish = p.finish;
    if (!finish) {
      if (Date.now() - this.lastElapsedAt < ELAPSED_EVERY_MS) return;
      this.lastElapsedAt = Date.now();
      const limit = p.finishDeadlineMs ? ` (the CLI waits up to ${Math.round(p.finishDeadlineMs / 1000)} s)` : '';
      this.out.write(`still at work on it: ${Math.round((p.finishingMs ?? 0) / 1000)} s so far${limit}\n`);
      return;
    }
    if (finish.phase !== this.phase) {
      this.bar?.stop();
      this.bar = undefined;
      this.phase = finish.phase;
      const line = PHASE_LINES[finish.phase];
      if (line) this.out.write(`${line}\n`);
      else if (finish.phase === 'checking' || finish.phase === 'parsing') this.bar = new TransferDisplay(finish.phase, this.out);
    }
    this.bar?.update(finish.doneBytes, finish.totalBytes, finish.rows > 0 ? `${finish.rows.toLocaleString('en')} rows` : '');
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

import { open } from 'node:fs/promises';
import { type CommandProgress, LineSplitter, parseProgressLine } from '@gpulab/run-job';

/** How often the progress file is looked at. */
const POLL_MS = 250;
/** At most this much is read per look, so a script that writes the file in a loop cannot hold the worker. */
const READ_BYTES = 64 * 1024;

/**
 * Follows `$GPULAB_PROGRESS`, the file a script appends progress lines to: every new complete
 * line that is progress JSON is handed on. A file that does not exist yet is simply not read.
 */
export class ProgressFileTail {
  private offset = 0;
  private timer?: NodeJS.Timeout;
  private reading = false;
  private readonly splitter = new LineSplitter();

  constructor(
    private readonly path: string,
    private readonly onProgress: (progress: CommandProgress) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    this.timer.unref();
  }

  /** Reads what was written last and stops; safe to call twice. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    while (this.reading) await new Promise((r) => setTimeout(r, 10));
    await this.poll();
  }

  private async poll(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const file = await open(this.path, 'r').catch(() => undefined);
      if (!file) return;
      try {
        const buffer = Buffer.alloc(READ_BYTES);
        const { bytesRead } = await file.read(buffer, 0, READ_BYTES, this.offset);
        this.offset += bytesRead;
        for (const line of this.splitter.push(buffer.subarray(0, bytesRead))) {
          const progress = parseProgressLine(line);
          if (progress) this.onProgress(progress);
        }
      } finally {
        await file.close();
      }
    } finally {
      this.reading = false;
    }
  }
}

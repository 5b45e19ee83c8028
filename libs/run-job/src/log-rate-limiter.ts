import { LOG_LIMITS } from '@gpulab/contracts';

/** The bounds a {@link LogRateLimiter} keeps; {@link LOG_LIMITS} by default. */
export interface LogRates {
  linesPerSecond: number;
  bytesPerSecond: number;
  totalBytesPerJob: number;
}

/** Whether a line is kept, and the notes (drops, the cap) to put in the log before it. */
export interface LogAdmission {
  keep: boolean;
  notes: string[];
}

/**
 * Decides, line by line, what of a command's output the log keeps: at most so many lines and
 * bytes per second (the rest counted and dropped, with a note once the second is over) and so
 * many bytes in all (then nothing more, with one note). It never waits: a command that prints
 * faster than the log takes loses lines, it is never slowed down. Pure: time is passed in.
 */
export class LogRateLimiter {
  private windowStart = -Infinity;
  private windowLines = 0;
  private windowBytes = 0;
  private dropped = 0;
  private droppedBytes = 0;
  private total = 0;
  private capped = false;
  /** Lines dropped for the rates so far, in all. */
  droppedLines = 0;

  constructor(private readonly rates: LogRates = LOG_LIMITS) {}

  admit(bytes: number, nowMs: number): LogAdmission {
    const notes: string[] = [];
    if (nowMs - this.windowStart >= 1000) {
      const note = this.dropNote();
      if (note) notes.push(note);
      this.windowStart = nowMs;
      this.windowLines = 0;
      this.windowBytes = 0;
    }
    if (this.capped) return { keep: false, notes };
    if (this.total + bytes > this.rates.totalBytesPerJob) {
      this.capped = true;
      notes.push(`the log is full (${formatBytes(this.rates.totalBytesPerJob)} per attempt): nothing more of this attempt's output is kept`);
      return { keep: false, notes };
    }
    if (this.windowLines + 1 > this.rates.linesPerSecond || this.windowBytes + bytes > this.rates.bytesPerSecond) {
      this.dropped += 1;
      this.droppedBytes += bytes;
      this.droppedLines += 1;
      return { keep: false, notes };
    }
    this.windowLines += 1;
    this.windowBytes += bytes;
    this.total += bytes;
    return { keep: true, notes };
  }

  /** The note for lines dropped and not yet told, e.g. when the output ends. */
  flush(): string[] {
    const note = this.dropNote();
    return note ? [note] : [];
  }

  private dropNote(): string | undefined {
    if (this.dropped === 0) return undefined;
    const note = `${this.dropped} lines (${formatBytes(this.droppedBytes)}) dropped: output faster than ${this.rates.linesPerSecond} lines or ${formatBytes(this.rates.bytesPerSecond)} a second`;
    this.dropped = 0;
    this.droppedBytes = 0;
    return note;
  }
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

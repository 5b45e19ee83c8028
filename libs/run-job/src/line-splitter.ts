import { LOG_LIMITS } from '@gpulab/contracts';

const NEWLINE = 0x0a;
const CUT_MARK = ' … [line cut: longer than';

/**
 * Turns a stream's bytes into text lines as they arrive: lines end at `\n` (a `\r` before it is
 * dropped), invalid UTF-8 becomes U+FFFD, control characters other than tab are shown as
 * `\xNN`, and a line longer than `maxLineBytes` is cut with a marker and the rest of it skipped,
 * so neither binary output nor one enormous line can make the log unreadable or unbounded.
 */
export class LineSplitter {
  private parts: Uint8Array[] = [];
  private partBytes = 0;
  /** Inside a line already cut: its bytes up to the next newline are skipped. */
  private skipping = false;

  constructor(private readonly maxLineBytes: number = LOG_LIMITS.maxLineBytes) {}

  /** The lines completed by `chunk`. */
  push(chunk: Uint8Array): string[] {
    const lines: string[] = [];
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl === -1 ? chunk.length : nl;
      this.take(chunk.subarray(start, end), lines);
      if (nl === -1) break;
      if (this.skipping) this.skipping = false;
      else lines.push(this.takeLine());
      start = nl + 1;
    }
    return lines;
  }

  /** The last line, when the stream ended without a newline. */
  end(): string[] {
    if (this.skipping || this.partBytes === 0) return [];
    return [this.takeLine()];
  }

  private take(bytes: Uint8Array, lines: string[]): void {
    if (this.skipping || bytes.length === 0) return;
    const room = this.maxLineBytes - this.partBytes;
    if (bytes.length <= room) {
      this.parts.push(bytes.slice());
      this.partBytes += bytes.length;
      return;
    }
    this.parts.push(bytes.slice(0, room));
    this.partBytes += room;
    lines.push(`${this.takeLine()}${CUT_MARK} ${this.maxLineBytes} bytes]`);
    this.skipping = true;
  }

  private takeLine(): string {
    const bytes = Buffer.concat(this.parts, this.partBytes);
    this.parts = [];
    this.partBytes = 0;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    return printable(new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, end)));
  }
}

/** Control characters but tab shown escaped, so a terminal that prints the log is never driven by it. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';

/**
 * A service's log is rotated when it reaches this size, so one noisy request (or a week of
 * them) cannot fill the disk: at most LOG_MAX_FILES + 1 files of this size per service.
 * @default 10 MB, through GPULAB_LOG_MAX_SIZE (e.g. "50M")
 */
export const LOG_MAX_SIZE = '10M';
/** Rotated logs kept: <name>.log.1 (the newest) to <name>.log.5. */
export const LOG_MAX_FILES = 5;

/**
 * The local stack's log files, <dir>/<name>.log, rotated by size. A name is opened once and kept
 * open: a restarted service writes on into the same stream, so two streams never rotate one file.
 */
export class ServiceLogs {
  private readonly open = new Map<string, RotatingFileStream>();

  constructor(
    private readonly dir: string,
    private readonly maxSize: string = process.env.GPULAB_LOG_MAX_SIZE || LOG_MAX_SIZE,
    private readonly maxFiles = LOG_MAX_FILES,
  ) {}

  /** The stream of `<name>.log`, private to this user (0600) like the rest of the data folder. */
  stream(name: string): RotatingFileStream {
    const known = this.open.get(name);
    if (known) return known;
    const file = `${name}.log`;
    const path = join(this.dir, file);
    // A log from an older start keeps its mode otherwise.
    if (existsSync(path)) chmodSync(path, 0o600);
    const stream = createStream(file, { path: this.dir, size: this.maxSize, rotate: this.maxFiles, mode: 0o600 });
    // A log that cannot be written must not bring the stack down; the service goes on.
    stream.on('error', () => undefined);
    this.open.set(name, stream);
    return stream;
  }

  close(): void {
    for (const stream of this.open.values()) stream.end();
    this.open.clear();
  }
}

import { existsSync, readFileSync } from 'node:fs';
import { open, readFile, rename, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { COMMAND_NOT_FOUND_EXIT, type CommandExit, entryCommandFile, entryExit, POD_ENTRY_FILES } from '@gpulab/run-job';
import { readProcStat } from './proc-stat';
import { type CommandStarter, type StartedCommand } from './started-command';

/** How often the entry's files are looked at: the entry itself polls once a second. */
const POLL_MS = 200;
/** Read at most this much of a stream per look; the log's rate limits drop what is too much. */
const READ_CHUNK_BYTES = 256 * 1024;
/** The most read at the end in one go: what a last burst left unread, bounded. */
const FINAL_READ_BYTES = 16 * 1024 * 1024;
/**
 * Past this much read, a stream's file is emptied: the pod's disk holds no more of a chatty
 * command's output than this (an attempt's log keeps 64 MiB at most anyway). The entry appends,
 * so its next write lands at the new start; what it wrote between the last read and the
 * truncation, a few lines, is lost.
 */
const TRUNCATE_AT_BYTES = 64 * 1024 * 1024;
/** After a SIGKILL was asked for, how long the entry may take to report the end. */
const KILL_WAIT_MS = 5000;

/**
 * Cluster mode: the command runs in the team's container, started by the gpulab entry
 * (`POD_ENTRY_SCRIPT`), and this worker follows it through the files of the shared folder.
 * The command's variables and working directory go into `command.sh`, which is also the entry's
 * signal to start; its output is tailed from `stdout` and `stderr`; its process id is in `pid`,
 * read from the pod's shared PID namespace for the resource samples; its end is the `exit`
 * file; a stop is asked for by writing `stop`, then `kill`.
 */
export class PodEntryStarter implements CommandStarter {
  private tails: FileTail[] = [];
  private commandWritten = false;
  private commandPid?: number;

  constructor(
    private readonly shared: string,
    private readonly startTimeoutMs: number,
    /** Aborted on a stop notice: no command is started after it. */
    private readonly signal: AbortSignal,
  ) {}

  async start(_argv: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<StartedCommand | CommandExit> {
    // The command's words are the pod's (the entry's arguments); only its setting comes from here.
    const started = await this.until(() => existsSync(this.file(POD_ENTRY_FILES.started)), this.startTimeoutMs);
    if (!started) {
      const seconds = Math.ceil(this.startTimeoutMs / 1000);
      return this.signal.aborted
        ? { kind: 'not-started', code: 143, message: 'the job was stopped before the team image had started' }
        : { kind: 'not-started', code: COMMAND_NOT_FOUND_EXIT, message: `the team image did not start the gpulab entry within ${seconds} s: it needs /bin/sh (a POSIX shell) and a writable ${this.shared}` };
    }
    // Made here, so that they are the worker's to empty whatever user the team's image runs as; the entry appends.
    for (const name of [POD_ENTRY_FILES.stdout, POD_ENTRY_FILES.stderr]) await writeFile(this.file(name), '', { flag: 'a', mode: 0o666 });
    const part = this.file(`${POD_ENTRY_FILES.command}.part`);
    await writeFile(part, entryCommandFile(options.env, options.cwd), { mode: 0o644 });
    await rename(part, this.file(POD_ENTRY_FILES.command));
    this.commandWritten = true;
    const stdout = new FileTail(this.file(POD_ENTRY_FILES.stdout));
    const stderr = new FileTail(this.file(POD_ENTRY_FILES.stderr));
    this.tails = [stdout, stderr];
    for (const tail of this.tails) tail.start();
    const exited = this.exitStatus().then(async (exit) => {
      await Promise.all(this.tails.map((tail) => tail.close()));
      return exit;
    });
    let ended = false;
    void exited.then(() => (ended = true));
    return {
      stdout: stdout.stream,
      stderr: stderr.stream,
      exited,
      stop: async (graceMs) => {
        await writeFile(this.file(POD_ENTRY_FILES.stop), '');
        if (await this.until(() => ended, graceMs, false)) return { killed: false };
        await writeFile(this.file(POD_ENTRY_FILES.kill), '');
        await this.until(() => ended, KILL_WAIT_MS, false);
        return { killed: true };
      },
      processGroup: () => this.processGroup(),
      // The entry kills what is left of the command's group before it writes the exit status.
      killLeftovers: () => false,
    };
  }

  async close(): Promise<void> {
    for (const tail of this.tails) await tail.close();
    // The entry still waits for a command: it leaves without one.
    if (!this.commandWritten) await writeFile(this.file(POD_ENTRY_FILES.abort), '').catch(() => undefined);
  }

  /**
   * The command's process group, as its first process has it now (the entry's `setsid` may not
   * have run yet). The process must be the entry's child: where the pod does not share one PID
   * namespace, the number names some process of the worker's own, or none.
   */
  private processGroup(): number | undefined {
    if (this.commandPid === undefined) {
      const ids = commandIds(this.file(POD_ENTRY_FILES.pid));
      if (!ids || readProcStat(ids.pid)?.ppid !== ids.entryPid) return undefined;
      this.commandPid = ids.pid;
    }
    return readProcStat(this.commandPid)?.pgrp;
  }

  private file(name: string): string {
    return join(this.shared, name);
  }

  /** The entry's exit status, once it is written (a whole file: the entry renames it into place). */
  private async exitStatus(): Promise<CommandExit> {
    for (;;) {
      const text = await readFile(this.file(POD_ENTRY_FILES.exit), 'utf8').catch(() => undefined);
      const exit = text === undefined ? undefined : entryExit(text);
      if (exit) return exit;
      if (text !== undefined) return { kind: 'exited', code: 1 };
      await sleep(POLL_MS);
    }
  }

  /** Whether `done` came true within `ms`; with `abortable`, a stop notice ends the wait early. */
  private async until(done: () => boolean, ms: number, abortable = true): Promise<boolean> {
    const end = Date.now() + ms;
    while (!done()) {
      if (Date.now() >= end || (abortable && this.signal.aborted)) return false;
      await sleep(POLL_MS);
    }
    return true;
  }
}

/**
 * A file another container appends to, read as a stream: polled, from where the last read
 * stopped, until closed (then read to its end once more).
 */
export class FileTail {
  readonly stream = new PassThrough();
  private offset = 0;
  private timer?: NodeJS.Timeout;
  private reading?: Promise<void>;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly truncateAtBytes = TRUNCATE_AT_BYTES,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.read(), POLL_MS);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.reading;
    await this.readOnce(FINAL_READ_BYTES);
    this.stream.end();
  }

  private read(): Promise<void> {
    this.reading ??= this.readOnce(READ_CHUNK_BYTES * 4).finally(() => (this.reading = undefined));
    return this.reading;
  }

  /** Reads what was appended since, up to `maxBytes`; a file not there yet is nothing to read. */
  private async readOnce(maxBytes: number): Promise<void> {
    const handle = await open(this.path, 'r').catch(() => undefined);
    if (!handle) return;
    try {
      let read = 0;
      while (read < maxBytes) {
        const buffer = Buffer.alloc(READ_CHUNK_BYTES);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        read += bytesRead;
        this.stream.write(buffer.subarray(0, bytesRead));
      }
    } finally {
      await handle.close();
    }
    if (this.offset >= this.truncateAtBytes) {
      await truncate(this.path, 0);
      this.offset = 0;
    }
  }
}

/** The `pid` file: the command's process id and the entry's, as the entry wrote them; undefined until it has. */
function commandIds(path: string): { pid: number; entryPid: number } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^(\d{1,10}) (\d{1,10})\n?$/.exec(text);
  return match ? { pid: Number(match[1]), entryPid: Number(match[2]) } : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

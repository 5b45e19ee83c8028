import { GpulabClient } from '@gpulab/sdk';
import { type TimeOptions } from './time-format';

/**
 * Where a command writes and whom it talks to. The process's own streams and environment in
 * `gpulab`; captured streams and a started stack's address in a test that runs commands
 * in-process, which is faster than spawning a CLI per call.
 */
export interface CliContext {
  /** Results and `--json`: what a script reads. */
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  /** Progress, notes and errors, so stdout stays free for the result. */
  readonly stderr: NodeJS.WriteStream;
  /** A client for one command; the command closes it. */
  connect(): GpulabClient;
  /** Called once when the user presses Ctrl-C; the returned function stops listening. */
  onInterrupt(stop: () => void): () => void;
  /** Where `watch` and `get` write local times; undefined: the machine's own zone. */
  readonly timeZone?: string;
  /** Now, for "5 min ago". */
  now(): Date;
  /** The exit status so far; a command sets it to say the job failed, without ending the process. */
  exitCode: number;
}

/** The context of the `gpulab` process: its streams, environment, clock and Ctrl-C. */
export function processContext(): CliContext {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    connect: () => new GpulabClient(),
    onInterrupt: (stop) => {
      process.once('SIGINT', stop);
      return () => void process.off('SIGINT', stop);
    },
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    now: () => new Date(),
    exitCode: 0,
  };
}

/** The zone and the moment the context's times are written in and counted from. */
export function timeOptions(ctx: CliContext): TimeOptions {
  return { timeZone: ctx.timeZone, now: ctx.now() };
}

/** Runs `work` with a client that is closed afterwards, whether `work` succeeds or throws. */
export async function withClient(ctx: CliContext, work: (client: GpulabClient) => Promise<void>): Promise<void> {
  const client = ctx.connect();
  try {
    await work(client);
  } finally {
    client.close();
  }
}

/** One JSON object on one line: what `--json` promises. */
export function printJson(ctx: CliContext, value: unknown): void {
  ctx.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Writes `text` and a newline on stdout. */
export function printLine(ctx: CliContext, text: string): void {
  ctx.stdout.write(`${text}\n`);
}

import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { type CommandExit, notStarted } from '@gpulab/run-job';
import { groupProcesses } from './proc-stat';

/** A command started as the leader of a process group of its own, so the group can be signalled as one. */
export interface CommandProcess {
  /** Also the process group's id. */
  pid: number;
  stdout: Readable;
  stderr: Readable;
  /** How the command's own process ended. */
  exited: Promise<CommandExit>;
}

/**
 * Starts `argv` without a shell in its own process group (`detached`), with no stdin, or says
 * why it could not start: a program that does not exist ends like a shell's "command not found".
 */
export async function spawnCommandGroup(argv: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<CommandProcess | CommandExit> {
  const [program, ...args] = argv;
  const child = spawn(program, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  // Piped at once: Node discards what an exited child wrote to a stream nobody reads yet, and
  // the caller attaches its readers only after a few awaits.
  const stdout = child.stdout.pipe(new PassThrough());
  const stderr = child.stderr.pipe(new PassThrough());
  const started = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', (error) => resolve(error));
  });
  if (started) return notStarted(program, started);
  const exited = new Promise<CommandExit>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ? { kind: 'signal', signal } : { kind: 'exited', code: code ?? 0 }));
  });
  return { pid: child.pid ?? -1, stdout, stderr, exited };
}

/** Signals every process of the group; false when none is left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether any process of the group is still there (a child the command left behind counts). */
export function groupAlive(pgid: number): boolean {
  const live = groupProcesses(pgid);
  return live === undefined ? signalGroup(pgid, 0) : live.length > 0;
}

/**
 * Stops the whole group: SIGTERM now, SIGKILL once `graceMs` have passed with anything left,
 * then waits until the group is gone (at most `graceMs` + 5 s). Resolves whether anything had
 * to be killed.
 */
export async function stopGroup(pgid: number, graceMs: number, sleep = defaultSleep): Promise<{ killed: boolean }> {
  if (!signalGroup(pgid, 'SIGTERM')) return { killed: false };
  const termUntil = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < termUntil) await sleep(50);
  if (!groupAlive(pgid)) return { killed: false };
  signalGroup(pgid, 'SIGKILL');
  const killUntil = Date.now() + 5000;
  while (groupAlive(pgid) && Date.now() < killUntil) await sleep(20);
  return { killed: true };
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

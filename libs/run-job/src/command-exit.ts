import { constants } from 'node:os';

/** How many of stderr's last lines a failure's reason quotes. */
export const STDERR_TAIL_LINES = 20;
/** The shell's exit code for a command that is not found, which spawning a missing program maps to. */
export const COMMAND_NOT_FOUND_EXIT = 127;

/** How a command ended. */
export type CommandExit =
  | { kind: 'exited'; code: number }
  | { kind: 'signal'; signal: string }
  /** The program could not be started (not found, not executable). */
  | { kind: 'not-started'; message: string; code: number };

/** Why the worker stopped the command, when it did. */
export type StopCause = 'timeout' | 'cancel' | 'preempted';

/** A signal as people know it, from Node's name or its number: `SIGKILL (9)`. */
export function signalName(signal: string | number): string {
  const numbers = constants.signals as Record<string, number>;
  if (typeof signal === 'number') {
    const name = Object.keys(numbers).find((key) => numbers[key] === signal);
    return name ? `${name} (${signal})` : `signal ${signal}`;
  }
  return numbers[signal] !== undefined ? `${signal} (${numbers[signal]})` : signal;
}

/**
 * The last lines of stderr, kept as they arrive: only {@link STDERR_TAIL_LINES} are held, so a
 * chatty command costs no memory here.
 */
export class StderrTail {
  private readonly lines: string[] = [];

  constructor(private readonly max: number = STDERR_TAIL_LINES) {}

  add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
  }

  text(): string {
    return this.lines.join('\n');
  }
}

/** The failure's reason a person reads: how the command ended, why, and what stderr said last. */
export function exitReason(exit: CommandExit, stderrTail: string, cause?: StopCause): string | undefined {
  const why = cause ? ` (${STOP_CAUSES[cause]})` : '';
  let head: string;
  switch (exit.kind) {
    case 'exited':
      if (exit.code === 0 && !cause) return undefined;
      head = `the command exited with code ${exit.code}${why}`;
      break;
    case 'signal':
      head = `the command was killed by ${signalName(exit.signal)}${why}`;
      break;
    case 'not-started':
      head = `the command exited with code ${exit.code}: ${exit.message}`;
      break;
  }
  return stderrTail ? `${head}; the last lines of stderr:\n${stderrTail}` : head;
}

/**
 * The exit status a failed job's reason (from {@link exitReason}) names, as a shell reports it:
 * the code the command exited with, or 128 + the signal's number when a signal killed it;
 * undefined when the reason is not a command's end (the job failed otherwise).
 */
export function exitStatusOfReason(reason: string): number | undefined {
  const exited = /^the command exited with code (\d{1,3})\b/.exec(reason);
  if (exited) return Number(exited[1]);
  const killed = /^the command was killed by SIG[A-Z0-9]+ \((\d{1,2})\)/.exec(reason);
  return killed ? 128 + Number(killed[1]) : undefined;
}

const STOP_CAUSES: Record<StopCause, string> = {
  timeout: 'stopped at its timeout',
  cancel: 'cancelled',
  preempted: 'stopped for a slot',
};

/** Why spawning failed, as a shell would say it: ENOENT is "command not found", exit 127. */
export function notStarted(program: string, error: NodeJS.ErrnoException): CommandExit {
  if (error.code === 'ENOENT') return { kind: 'not-started', code: COMMAND_NOT_FOUND_EXIT, message: `${program}: command not found` };
  if (error.code === 'EACCES') return { kind: 'not-started', code: 126, message: `${program}: permission denied` };
  return { kind: 'not-started', code: 126, message: `${program}: ${error.message}` };
}

import { type Readable } from 'node:stream';
import { type CommandExit } from '@gpulab/run-job';
import { groupAlive, signalGroup, spawnCommandGroup, stopGroup } from './process-group';
import { recordGroup } from './work-folders';

/** A run job's command once started, wherever it runs: what the command runner follows and stops. */
export interface StartedCommand {
  stdout: Readable;
  stderr: Readable;
  /** How the command's own process ended. */
  exited: Promise<CommandExit>;
  /** The process group the resource sampler reads now; undefined while it is not known or cannot be seen. */
  processGroup(): number | undefined;
  /** SIGTERM to all of the command now, SIGKILL once `graceMs` have passed with anything left; resolves once it is gone. */
  stop(graceMs: number): Promise<unknown>;
  /** Kills what of the command outlived its first process; whether anything had to be. */
  killLeftovers(): boolean;
}

/** Where commands start: a child process here, or the team's container beside this one. */
export interface CommandStarter {
  /** The command started, or why it could not start (as a shell would say it). */
  start(argv: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<StartedCommand | CommandExit>;
  /** The attempt is over: whatever still waits for the command is told it will not come. */
  close(): Promise<void>;
}

/** Local mode: the command as a child process in a process group of its own, recorded so a later attempt can kill what this one left. */
export class ChildProcessStarter implements CommandStarter {
  constructor(private readonly attempt: { workDir: string; jobId: string; attempt: number }) {}

  async start(argv: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<StartedCommand | CommandExit> {
    const spawned = await spawnCommandGroup(argv, options);
    if (!('pid' in spawned)) return spawned;
    const pgid = spawned.pid;
    await recordGroup(this.attempt.workDir, this.attempt.jobId, this.attempt.attempt, pgid);
    return {
      stdout: spawned.stdout,
      stderr: spawned.stderr,
      exited: spawned.exited,
      processGroup: () => pgid,
      stop: (graceMs) => stopGroup(pgid, graceMs),
      killLeftovers: () => groupAlive(pgid) && signalGroup(pgid, 'SIGKILL'),
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

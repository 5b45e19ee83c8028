import { writeFile } from 'node:fs/promises';
import { type JobRecord, type OutputFileRef, type ResourceSample } from '@gpulab/contracts';
import { type Logger, type WorkerDataClient } from '@gpulab/platform';
import {
  attemptDeadline,
  buildCommandEnv,
  type CommandExit,
  commandGraceMs,
  type CommandFolders,
  type CommandProgress,
  exitReason,
  type RunParams,
  signalName,
  type StopCause,
} from '@gpulab/run-job';
import { type WorkerEnv } from '../worker-env';
import { CheckpointFolder } from './checkpoint-folder';
import { prepareCode } from './code-archive';
import { CommandOutput } from './command-output';
import { writeInputFile } from './input-files';
import { type LogPublisher } from './log-publisher';
import { type StorageFull, saveOutputFolder, storageFullReason } from './output-folder';
import { PodEntryStarter } from './pod-entry-starter';
import { ProgressFileTail } from './progress-file';
import { ResourceSampler } from './resource-sampler';
import { ChildProcessStarter, type CommandStarter, type StartedCommand } from './started-command';
import { killLeftovers, makeAttemptFolders, removeAttemptFolders } from './work-folders';

/** How a run job's attempt ended, for the job runner to report. */
export type CommandOutcome =
  | { type: 'succeeded'; result: Record<string, unknown>; files: OutputFileRef[] }
  /** `kept`: the record of the files the attempt stored anyway, when it stored any. */
  | { type: 'failed'; reason: string; retryable: boolean; kept?: KeptFiles }
  /**
   * Stopped on a stop notice: the scheduler decided the job's fate already, nothing is reported.
   * A cancelled attempt's `kept` is stored all the same, so its files can be downloaded.
   */
  | { type: 'stopped'; kept?: KeptFiles };

/**
 * What a job that did not succeed stored, in the place of its result: how it ended, its files,
 * and what could not be saved. It downloads as a result does (`result.json` and the files).
 */
export interface KeptFiles extends Record<string, unknown> {
  outcome: 'failed' | 'cancelled';
  reason: string;
  exitCode?: number;
  signal?: string;
  durationMs: number;
  files: OutputFileRef[];
  checkpointFiles?: number;
  notSaved?: string[];
}

/** What the command runner reports through, besides the log. */
export interface CommandRunnerDeps {
  env: WorkerEnv;
  data: WorkerDataClient;
  logs: LogPublisher;
  log: Logger;
  /** Aborted on a stop notice (cancel, preemption, a lost lease). */
  signal: AbortSignal;
  progress(progress: CommandProgress & { resources?: ResourceSample; peak?: ResourceSample }): Promise<void>;
  note(level: 'info' | 'warn', message: string): Promise<void>;
}

/** Stdout and stderr are read until this long after the group is gone: a process outside it may hold the pipes. */
const OUTPUT_DRAIN_MS = 2000;
/** How long the worker waits for its record when a stop notice arrives. */
const STOP_LOOKUP_MS = 2000;

/**
 * Runs one attempt of a `run` job: its folders, inputs and restored checkpoint; the command in a
 * process group of its own, with its output logged, its progress followed and its resources
 * sampled; its end (exit, timeout, stop notice), after which no process of it is left; then its
 * outputs and checkpoint stored, whatever the end was.
 */
export class CommandRunner {
  private lastFraction = 0;
  /** Repeated with each resource sample, so a watch's bar keeps the command's last message and metrics. */
  private lastMessage = '';
  private lastMetrics?: Record<string, number>;
  private sampler?: ResourceSampler;

  constructor(private readonly d: CommandRunnerDeps) {}

  async run(job: JobRecord, params: RunParams): Promise<CommandOutcome> {
    const { env } = this.d;
    const killed = await killLeftovers(env.workDir, env.jobId, env.attempt);
    if (killed.length > 0) await this.d.note('warn', `processes of attempt ${killed.join(', ')} were still running on this machine and were killed`);
    const folders = await makeAttemptFolders(env.workDir, env.jobId, env.attempt, env.dataMounts);
    const starter: CommandStarter = env.sharedDir
      ? new PodEntryStarter(env.sharedDir, env.entryStartTimeoutMs, this.d.signal)
      : new ChildProcessStarter({ workDir: env.workDir, jobId: env.jobId, attempt: env.attempt });
    try {
      return await this.attempt(job, params, folders, starter);
    } finally {
      await starter.close();
      await removeAttemptFolders(env.workDir, env.jobId, env.attempt).catch((error: unknown) => this.d.log.warn({ err: (error as Error).message }, 'the attempt folders could not be removed'));
    }
  }

  private async attempt(job: JobRecord, params: RunParams, folders: CommandFolders, starter: CommandStarter): Promise<CommandOutcome> {
    const { env, data } = this.d;
    const checkpoint = new CheckpointFolder(folders.checkpoint, data);
    const restored = await checkpoint.restore();
    if (restored !== undefined) await this.d.note('info', `checkpoint restored into GPULAB_CHECKPOINT_DIR (${restored} files)`);
    for (const [name, id] of Object.entries(params.inputs)) {
      const bytes = await data.read({ kind: 'artifact', id });
      if (!bytes) return { type: 'failed', reason: `input ${name}: artifact ${id} is not stored (deleted?)`, retryable: false };
      await writeInputFile(folders.inputs, name, bytes);
    }
    const unpacked = await prepareCode({ code: params.code, data }, folders.workdir);
    if (unpacked > 0) await this.d.note('info', `code archive ${params.code} unpacked into the working directory (${unpacked} files)`);

    const startedAt = Date.now();
    const slotEndMs = job.slotEndsAt ? Date.parse(job.slotEndsAt) : undefined;
    const { deadlineMs, clipped } = attemptDeadline(startedAt, params.timeoutMs, slotEndMs);
    if (clipped) await this.d.note('info', `the timeout goes past the slot's end; the command runs until the slot ends at ${job.slotEndsAt}`);
    const output = new CommandOutput(
      (line) => this.d.logs.write(line),
      (p) => void this.reportProgress(p),
    );
    const commandEnv = buildCommandEnv({
      // Beside a team's container the command keeps that image's own environment (PATH, HOME);
      // only gpulab's variables and the job's come from here.
      base: env.sharedDir ? {} : env.baseEnv,
      jobEnv: params.env,
      jobId: env.jobId,
      attempt: env.attempt,
      team: job.team,
      gpus: env.gpus,
      folders,
      deadline: deadlineMs !== undefined ? new Date(deadlineMs).toISOString() : undefined,
    });
    // A container sees only its GPUs, numbered from 0 (the launcher's NVIDIA_VISIBLE_DEVICES).
    if (env.sharedDir) commandEnv.CUDA_VISIBLE_DEVICES = env.gpus.map((_, i) => i).join(',');
    const spawned = await starter.start(params.argv, { cwd: folders.workdir, env: commandEnv });
    if (!('exited' in spawned)) {
      if (this.d.signal.aborted) return { type: 'stopped' };
      output.note(exitReason(spawned, '') ?? '');
      const saved = await this.save(folders, checkpoint);
      const reason = withNotSaved(withFull(exitReason(spawned, '') ?? 'the command did not start', saved), saved.notSaved);
      return { type: 'failed', reason, retryable: false, kept: keptFiles('failed', reason, spawned, startedAt, saved) };
    }
    output.attach(spawned.stdout, 'stdout');
    output.attach(spawned.stderr, 'stderr');
    const progressFile = new ProgressFileTail(folders.progressFile, (p) => void this.reportProgress(p));
    progressFile.start();
    // Beside a team's container the worker sees only the job's GPUs, numbered from 0 as the command sees them.
    const gpus = env.gpus.map((g, i) => ({ index: g.index, smiIndex: env.sharedDir ? i : g.index }));
    this.sampler = new ResourceSampler(() => spawned.processGroup(), gpus, env.resourceSampleMs, (sample, peak) =>
      void this.d.progress({ fraction: this.lastFraction, message: this.lastMessage, ...(this.lastMetrics ? { metrics: this.lastMetrics } : {}), resources: sample, peak }),
    );
    this.sampler.start();
    checkpoint.startPeriodicSave(env.checkpointIntervalMs);

    // Only the attempt's own timeout has a timer: the slot's end is the scheduler's to enforce,
    // by preempting the job so that it resumes in the team's next slot.
    const ownDeadline = !clipped && params.timeoutMs !== undefined ? deadlineMs : undefined;
    const { exit, cause } = await this.untilEnd(spawned, folders, ownDeadline, output);
    if (spawned.killLeftovers()) output.note('processes the command left behind were killed');
    await Promise.race([output.finished(), new Promise((r) => setTimeout(r, OUTPUT_DRAIN_MS))]);
    await progressFile.close();
    this.sampler?.stop();
    const stopping = cause === 'cancel' || cause === 'preempted';
    output.note(`the command ended: ${exit.kind === 'signal' ? `killed by ${signalName(exit.signal)}` : `exit code ${exit.code}`}`);
    const cancelled = cause === 'cancel';
    const saved = await this.save(folders, checkpoint, cancelled);
    const reason = exitReason(exit, output.stderrTail.text(), cause);
    if (cancelled) return { type: 'stopped', kept: keptFiles('cancelled', withNotSaved(reason ?? 'the job was cancelled', saved.notSaved), exit, startedAt, saved, this.sampler?.peak) };
    if (stopping) return { type: 'stopped' };
    const failed = (why: string): CommandOutcome => {
      const full = withNotSaved(why, saved.notSaved);
      return { type: 'failed', reason: full, retryable: false, kept: keptFiles('failed', full, exit, startedAt, saved, this.sampler?.peak) };
    };
    if (reason !== undefined) return failed(withFull(reason, saved));
    // Outputs cut short by the team's full storage would pass for complete in a result: the job fails, saying what was kept.
    if (saved.full) return failed(storageFullReason(saved, saved.full));
    if (saved.refused.length > 0) {
      // The store refused some outputs (it was down or failed): a result without them would pass for complete.
      const kept = saved.files.reduce((sum, f) => sum + f.bytes, 0);
      return failed(`the command exited with code 0, but its outputs could not all be stored: kept ${saved.files.length} files (${kept} bytes)`);
    }
    const result: Record<string, unknown> = {
      exitCode: 0,
      durationMs: Date.now() - startedAt,
      ...(this.sampler?.peak ? { peakResources: this.sampler.peak } : {}),
      ...(saved.checkpointFiles !== undefined ? { checkpointFiles: saved.checkpointFiles } : {}),
      ...(saved.notSaved.length > 0 ? { notSaved: saved.notSaved } : {}),
    };
    return { type: 'succeeded', result, files: saved.files };
  }

  /** Waits for the command's exit, stopping its group first at its timeout or on a stop notice. */
  private async untilEnd(command: StartedCommand, folders: CommandFolders, deadlineMs: number | undefined, output: CommandOutput): Promise<{ exit: CommandExit; cause?: StopCause }> {
    const { exited } = command;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<StopCause>((resolve) => {
      if (deadlineMs !== undefined) timer = setTimeout(() => resolve('timeout'), Math.max(0, deadlineMs - Date.now()));
      onAbort = () => void this.stopCause().then(resolve);
      if (this.d.signal.aborted) onAbort();
      else this.d.signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const first = await Promise.race([exited.then((exit) => ({ exit })), stopped.then((cause) => ({ cause }))]);
      if ('exit' in first) return first;
      const graceMs = commandGraceMs(first.cause === 'cancel' ? this.d.env.stopGraceMs : this.d.env.preemptGraceMs);
      const deadline = new Date(Date.now() + graceMs).toISOString();
      await writeFile(folders.stopDeadlineFile, `${deadline}\n`).catch(() => undefined);
      output.note(`${STOP_NOTES[first.cause]}: SIGTERM to the command's processes; SIGKILL at ${deadline} if any is left`);
      await command.stop(graceMs);
      return { exit: await exited, cause: first.cause };
    } finally {
      clearTimeout(timer);
      if (onAbort) this.d.signal.removeEventListener('abort', onAbort);
    }
  }

  /** Why the worker was told to stop: a preemption leaves the attempt current with `preempting` set; a cancel does not. */
  private async stopCause(): Promise<StopCause> {
    const record = await Promise.race([this.d.data.job().catch(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), STOP_LOOKUP_MS))]);
    return record?.preempting ? 'preempted' : 'cancel';
  }

  /**
   * Stores the checkpoint folder and the outputs, whatever the command's end. A cancelled job
   * never runs again, so its checkpoint is not stored: only its outputs, which the scheduler
   * takes from the attempt a cancel ended during its stop grace.
   */
  private async save(folders: CommandFolders, checkpoint: CheckpointFolder, cancelled = false): Promise<SavedFolders> {
    const notSaved: string[] = [];
    const checkpointFiles = cancelled
      ? undefined
      : await checkpoint.save().catch((error: unknown) => {
          notSaved.push(`the checkpoint folder: ${(error as Error).message}`);
          return undefined;
        });
    const outputs = await saveOutputFolder(folders.outputs, async (name, bytes) => void (await this.d.data.write({ kind: 'output', name }, bytes)));
    return { files: outputs.files, notSaved: [...notSaved, ...outputs.notSaved], refused: outputs.refused, ...(outputs.full ? { full: outputs.full } : {}), checkpointFiles };
  }

  private async reportProgress(p: CommandProgress): Promise<void> {
    if (p.fraction !== undefined) this.lastFraction = p.fraction;
    if (p.message !== '') this.lastMessage = p.message;
    if (p.metrics) this.lastMetrics = p.metrics;
    await this.d.progress({ ...p, fraction: this.lastFraction, message: this.lastMessage, metrics: this.lastMetrics, resources: this.sampler?.latest, peak: this.sampler?.peak });
  }
}

const STOP_NOTES: Record<StopCause, string> = {
  timeout: 'the job reached its timeout',
  cancel: 'the job was cancelled',
  preempted: 'stop notice: the job is stopped for a slot and resumes from GPULAB_CHECKPOINT_DIR in its next attempt',
};

/** What the attempt's folders left in the store. */
interface SavedFolders {
  files: OutputFileRef[];
  notSaved: string[];
  refused: string[];
  full?: StorageFull;
  checkpointFiles?: number;
}

/** The record of what an attempt that did not succeed stored; undefined when it stored no file (there is nothing to download). */
function keptFiles(outcome: KeptFiles['outcome'], reason: string, exit: CommandExit, startedAt: number, saved: SavedFolders, peak?: ResourceSample): KeptFiles | undefined {
  if (saved.files.length === 0) return undefined;
  return {
    outcome,
    reason,
    ...(exit.kind === 'signal' ? { signal: signalName(exit.signal) } : { exitCode: exit.code }),
    durationMs: Date.now() - startedAt,
    ...(peak ? { peakResources: peak } : {}),
    files: saved.files,
    ...(saved.checkpointFiles !== undefined ? { checkpointFiles: saved.checkpointFiles } : {}),
    ...(saved.notSaved.length > 0 ? { notSaved: saved.notSaved } : {}),
  };
}

/** A failed command's reason, and on its next line what the team's full storage dropped of its outputs. */
function withFull(reason: string, saved: { files: OutputFileRef[]; full?: StorageFull }): string {
  return saved.full ? `${reason}\n${storageFullReason(saved, saved.full)}` : reason;
}

function withNotSaved(reason: string, notSaved: readonly string[]): string {
  return notSaved.length > 0 ? `${reason}\nnot saved: ${notSaved.join('; ')}` : reason;
}

import {
  decodeMatrix,
  INLINE_RESULT_LIMIT_BYTES,
  type JobEventBody,
  type JobEventEnvelope,
  type JobRecord,
  ObjectNames,
  type OutputFileRef,
  workerChannel,
  workerEventSubject,
} from '@gpulab/contracts';
import type { LoadedDataset, OutputFile } from '@gpulab/compute';
import { loadJobKind } from '@gpulab/jobs';
import { compileRunParams, RUN_KIND_NAME } from '@gpulab/run-job';
import { type Logger, type WorkerDataClient } from '@gpulab/platform';
import { type JetStreamClient } from '@nats-io/jetstream';
import { isRetryable } from './failure-retry';
import { modelArtifact } from './model-artifact';
import { CommandRunner, type KeptFiles } from './run/command-runner';
import { LogPublisher } from './run/log-publisher';
import { type WorkerEnv } from './worker-env';

/** Progress events at most this often, so a chatty job cannot flood the stream. */
const PROGRESS_MIN_INTERVAL_MS = 200;
/** How long a stop notice gives any kind but `run` to finish its step before the worker leaves. */
const STEP_STOP_MS = 500;

/**
 * Runs one attempt of one job: reads the record, announces the start, runs the kind, stores the
 * result and reports it. Every report carries the attempt so the scheduler can fence off a
 * worker it has given up on. All stored data comes and goes through the scheduler's data
 * requests (`data`), which check what this attempt may read and write.
 */
export class JobRunner {
  private lastProgressAt = 0;

  constructor(
    private readonly env: WorkerEnv,
    private readonly data: WorkerDataClient,
    private readonly js: JetStreamClient,
    private readonly log: Logger,
    private readonly signal: AbortSignal,
  ) {}

  async run(): Promise<'done' | 'fenced'> {
    let job: JobRecord;
    try {
      job = await this.data.job();
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'not-current') throw error;
      this.log.warn('this attempt is no longer current; not running it');
      return 'fenced';
    }
    this.kind = job.kind;
    if (job.kind === RUN_KIND_NAME) return this.runCommand(job);
    try {
      // Only this kind's package is loaded: a worker's start-up is most of a short job's time.
      const kind = loadJobKind(job.kind);
      // Readied before the start is reported, so `started` names the backend that runs the job
      // and a backend GPULAB_BACKEND asks for but this machine lacks fails the job at once.
      const backend = kind.initBackend ? (await kind.initBackend(this.env.backend)).name : 'cpu';
      await this.publish({ type: 'started', backend, pid: process.pid });
      const { matrix: input, labels, itemShape, picture } = await this.loadInput(job);
      // Compiled again from the record, against the data as loaded: the kind's run gets its
      // parameters typed, and a record the gateway did not write is checked as strictly.
      const params = kind.compile(job.params, input && { rows: input.rows, cols: input.cols, labeled: labels !== undefined, itemShape });
      const output = await kind.run({
        attempt: this.env.attempt,
        input,
        labels,
        inputShape: itemShape,
        inputPicture: picture,
        preferredBackend: this.env.backend,
        signal: this.signal,
        progress: (fraction, message) => this.progress(fraction, message),
        log: (level, message) => this.publish({ type: 'log', level, message }),
        // A job's checkpoint is one per job: every attempt reads the latest one, so a job
        // preempted at a slot's end, or whose worker was lost, resumes where it saved.
        checkpoint: {
          load: () => this.data.read({ kind: 'checkpoint' }),
          save: async (bytes) => void (await this.data.write({ kind: 'checkpoint' }, bytes)),
        },
        jobFiles: { read: (otherJob, name) => this.data.read({ kind: 'job-file', jobId: otherJob, name }) },
        artifacts: { read: (artifactId) => this.data.read({ kind: 'artifact', id: artifactId }) },
      }, params);
      const files = await this.storeFiles(output.files ?? []);
      const result = output.model ? { ...output.result, modelArtifactId: await this.storeModel(output.model) } : output.result;
      await this.storeResult(job, files.length > 0 ? { ...result, files } : result, output.backend);
    } catch (error) {
      await this.fail(error);
    }
    return 'done';
  }

  /**
   * How long the worker may take to leave after a stop notice: a step for most kinds, the
   * whole grace period for a `run` job, whose command is stopped and whose folders are stored
   * in that time (the launcher kills the worker at its end anyway).
   */
  stopBudgetMs(): number {
    return this.kind === RUN_KIND_NAME ? Math.max(this.env.stopGraceMs, this.env.preemptGraceMs) : STEP_STOP_MS;
  }

  private kind?: string;

  /** A `run` job: the team's own command, carried out by the command runner rather than a kind's `run`. */
  private async runCommand(job: JobRecord): Promise<'done'> {
    const logs = new LogPublisher(this.js, this.env.jobId, this.env.attempt, this.log);
    try {
      const params = compileRunParams(job.params);
      await this.publish({ type: 'started', backend: 'command', pid: process.pid });
      const runner = new CommandRunner({
        env: this.env,
        data: this.data,
        logs,
        log: this.log,
        signal: this.signal,
        progress: ({ fraction, message, metrics, resources, peak }) => this.progress(fraction ?? 0, message, { metrics, resources, peak }),
        note: (level, message) => {
          logs.write({ at: Date.now(), stream: 'gpulab', text: message });
          return this.publish({ type: 'log', level, message });
        },
      });
      const outcome = await runner.run(job, params);
      await logs.close();
      if (outcome.type === 'stopped') {
        // Nothing is reported for a stopped attempt; the scheduler keeps a cancelled one's record on the job as it arrives.
        if (outcome.kept) await this.storeKept(outcome.kept).catch((error: unknown) => this.log.warn({ err: (error as Error).message }, "a cancelled job's files could not be recorded"));
        this.log.info({ keptFiles: outcome.kept?.files.length ?? 0 }, 'command stopped on request');
        return 'done';
      }
      if (outcome.type === 'failed') {
        this.log.warn({ reason: outcome.reason.split('\n')[0], keptFiles: outcome.kept?.files.length ?? 0 }, 'command failed');
        let reason = outcome.reason;
        let resultRef: string | undefined;
        if (outcome.kept) {
          try {
            resultRef = await this.storeKept(outcome.kept);
          } catch (error) {
            reason = `${reason}\nnot saved: the list of the files it kept (${(error as Error).message}), so they cannot be downloaded`;
          }
        }
        await this.publish({ type: 'failed', reason, retryable: outcome.retryable, ...(resultRef ? { resultRef } : {}) });
        return 'done';
      }
      await this.storeResult(job, { ...outcome.result, ...(outcome.files.length > 0 ? { files: outcome.files } : {}) }, 'command');
    } catch (error) {
      await logs.close();
      await this.fail(error);
    }
    return 'done';
  }

  private async storeResult(job: JobRecord, result: Record<string, unknown>, backend: string): Promise<void> {
    const bytes = Buffer.from(JSON.stringify(result));
    const resultRef = ObjectNames.result(job.id);
    await this.data.write({ kind: 'result' }, bytes);
    const inline = bytes.byteLength <= INLINE_RESULT_LIMIT_BYTES ? result : undefined;
    await this.publish({ type: 'result', backend, resultRef, result: inline });
    this.log.info({ backend, resultBytes: bytes.byteLength }, 'job succeeded');
  }

  /** A job that did not succeed: the record of the files it kept, where a result is stored, so that they download as a result's do. */
  private async storeKept(kept: KeptFiles): Promise<string> {
    await this.data.write({ kind: 'result' }, Buffer.from(JSON.stringify(kept)));
    return ObjectNames.result(this.env.jobId);
  }

  private async fail(error: unknown): Promise<void> {
    if (this.signal.aborted) {
      // A stop notice (cancel, preemption, lost lease): the scheduler decided the job's fate
      // already, and a preempted job resumes from its checkpoint; reporting a failure here
      // would fail a job that is only interrupted.
      this.log.info({ reason: error instanceof Error ? error.message : String(error) }, 'job stopped on request');
      return;
    }
    const retryable = isRetryable(error);
    const reason = error instanceof Error ? error.message : String(error);
    this.log.error({ err: error, retryable }, 'job failed');
    await this.publish({ type: 'failed', reason, retryable });
  }

  private async loadInput(job: JobRecord): Promise<Partial<LoadedDataset> & { itemShape?: readonly number[]; picture?: boolean }> {
    switch (job.input.source) {
      case 'none':
        return {};
      case 'dataset': {
        const { findDataset } = await import('@gpulab/compute');
        return findDataset(job.input.name).load();
      }
      case 'object': {
        const bytes = await this.data.read({ kind: 'input' });
        if (!bytes) throw new Error(`the job's input ${job.input.name} is missing from the store`);
        if (job.input.encoding === 'image') {
          // Pictures are kept as uploaded (a photo is far smaller as a JPEG than as numbers).
          const { decodeImagePixels } = await import('@gpulab/compute');
          const image = decodeImagePixels(bytes);
          for (const note of image.notes) await this.publish({ type: 'log', level: 'info', message: `${job.input.filename ?? 'the input picture'}: ${note}` });
          return {
            matrix: { rows: 1, cols: image.data.length, data: Float64Array.from(image.data) },
            itemShape: [image.height, image.width, image.channels],
            picture: true,
          };
        }
        // Shared memory, as the built-in data sets are loaded: the compute kinds' threads
        // (PCA passes, neighbour search) then read the rows in place instead of copying them.
        const { labels, ...matrix } = decodeMatrix(bytes, { shared: true });
        return { matrix, labels, itemShape: job.input.itemShape };
      }
    }
  }

  /** A trained model, as a model artifact of the job's team (the scheduler writes its record). */
  private async storeModel(model: Parameters<typeof modelArtifact>[0]): Promise<string> {
    const { target, bytes } = modelArtifact(model);
    const reply = await this.data.write(target, bytes);
    if (!reply.artifactId) throw new Error('the scheduler stored the model but named no artifact');
    return reply.artifactId;
  }

  /** Each file under its own name; the result lists them so downloads know what to fetch. */
  private async storeFiles(files: readonly OutputFile[]): Promise<OutputFileRef[]> {
    const refs: OutputFileRef[] = [];
    for (const file of files) {
      await this.data.write({ kind: 'output', name: file.name, description: file.description }, file.bytes);
      refs.push({ name: file.name, contentType: file.contentType, bytes: file.bytes.byteLength, description: file.description });
    }
    return refs;
  }

  private async progress(fraction: number, message: string, extra: Pick<Extract<JobEventBody, { type: 'progress' }>, 'metrics' | 'resources' | 'peak'> = {}): Promise<void> {
    const now = Date.now();
    if (fraction < 1 && now - this.lastProgressAt < PROGRESS_MIN_INTERVAL_MS) return;
    this.lastProgressAt = now;
    const { metrics, resources, peak } = extra;
    await this.publish({ type: 'progress', fraction: Math.min(Math.max(fraction, 0), 1), message, ...(metrics ? { metrics } : {}), ...(resources ? { resources } : {}), ...(peak ? { peak } : {}) });
  }

  private async publish(body: Exclude<JobEventBody, { type: 'state' }>): Promise<void> {
    const envelope: JobEventEnvelope = { jobId: this.env.jobId, attempt: this.env.attempt, time: new Date().toISOString(), body };
    await this.js.publish(workerEventSubject(this.env.jobId, this.env.attempt, workerChannel(body)), JSON.stringify(envelope));
  }
}

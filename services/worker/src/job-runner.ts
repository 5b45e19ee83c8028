import {
  decodeMatrix,
  eventChannel,
  INLINE_RESULT_LIMIT_BYTES,
  type JobEventBody,
  type JobEventEnvelope,
  jobEventSubject,
  jobKey,
  type JobRecord,
  ObjectNames,
  type OutputFileRef,
} from '@gpulab/contracts';
import { decodeImagePixels, findDataset, type LoadedDataset, type OutputFile } from '@gpulab/compute';
import { findJobKind } from '@gpulab/jobs';
import { type JetStreamResources, type Logger, readObject } from '@gpulab/platform';
import { CheckpointStore } from './checkpoint-store';
import { storeTrainedModel } from './model-artifact';
import { type WorkerEnv } from './worker-env';

/** Progress events at most this often, so a chatty job cannot flood the stream. */
const PROGRESS_MIN_INTERVAL_MS = 200;

const OUTPUT_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Runs one attempt of one job: reads the record, announces the start, runs the kind, stores the
 * result and reports it. Every report carries the attempt so the scheduler can fence off a
 * worker it has given up on.
 */
export class JobRunner {
  private lastProgressAt = 0;

  constructor(
    private readonly env: WorkerEnv,
    private readonly resources: JetStreamResources,
    private readonly log: Logger,
    private readonly signal: AbortSignal,
  ) {}

  async run(): Promise<'done' | 'fenced'> {
    const entry = await this.resources.jobs.get(jobKey(this.env.jobId));
    if (!entry || entry.operation !== 'PUT') throw new Error(`job ${this.env.jobId} is not in the store`);
    const job = entry.json<JobRecord>();
    if (job.attempt !== this.env.attempt) {
      this.log.warn({ current: job.attempt }, 'this attempt is no longer current; not running it');
      return 'fenced';
    }
    try {
      const kind = findJobKind(job.kind);
      // Readied before the start is reported, so `started` names the backend that runs the job
      // and a backend GPULAB_BACKEND asks for but this machine lacks fails the job at once.
      const backend = kind.initBackend ? (await kind.initBackend(this.env.backend)).name : 'cpu';
      await this.publish({ type: 'started', backend, pid: process.pid });
      const { matrix: input, labels, itemShape, picture } = await this.loadInput(job);
      const output = await kind.run({
        params: job.params,
        input,
        labels,
        inputShape: itemShape,
        inputPicture: picture,
        preferredBackend: this.env.backend,
        signal: this.signal,
        progress: (fraction, message) => this.progress(fraction, message),
        log: (level, message) => this.publish({ type: 'log', level, message }),
        checkpoint: new CheckpointStore(this.resources.artifacts, job.id, job.attempt),
        jobFiles: { read: (otherJob, name) => readObject(this.resources.artifacts, ObjectNames.output(otherJob, name)) },
        artifacts: { read: (artifactId) => readObject(this.resources.artifacts, ObjectNames.artifact(artifactId)) },
      });
      const files = await this.storeFiles(job.id, output.files ?? []);
      const result = output.model ? { ...output.result, modelArtifactId: await storeTrainedModel(this.resources, job, output.model) } : output.result;
      const bytes = Buffer.from(JSON.stringify(files.length > 0 ? { ...result, files } : result));
      const resultRef = ObjectNames.result(job.id);
      await this.resources.artifacts.putBlob({ name: resultRef, description: `result of ${job.id}` }, bytes);
      const inline = bytes.byteLength <= INLINE_RESULT_LIMIT_BYTES ? result : undefined;
      await this.publish({ type: 'result', backend: output.backend, resultRef, result: inline });
      this.log.info({ backend: output.backend, resultBytes: bytes.byteLength }, 'job succeeded');
    } catch (error) {
      if (this.signal.aborted) {
        // A stop notice (cancel, preemption, lost lease): the scheduler decided the job's fate
        // already, and a preempted job resumes from its checkpoint; reporting a failure here
        // would fail a job that is only interrupted.
        this.log.info({ reason: error instanceof Error ? error.message : String(error) }, 'job stopped on request');
        return 'done';
      }
      const retryable = (error as { retryable?: unknown }).retryable === true;
      const reason = error instanceof Error ? error.message : String(error);
      this.log.error({ err: error }, 'job failed');
      await this.publish({ type: 'failed', reason, retryable });
    }
    return 'done';
  }

  private async loadInput(job: JobRecord): Promise<Partial<LoadedDataset> & { itemShape?: readonly number[]; picture?: boolean }> {
    switch (job.input.source) {
      case 'none':
        return {};
      case 'dataset':
        return findDataset(job.input.name).load();
      case 'object': {
        const bytes = await readObject(this.resources.artifacts, job.input.name);
        if (!bytes) throw new Error(`the job's input ${job.input.name} is missing from the store`);
        if (job.input.encoding === 'image') {
          // Pictures are kept as uploaded (a photo is far smaller as a JPEG than as numbers).
          const image = decodeImagePixels(bytes);
          for (const note of image.notes) await this.publish({ type: 'log', level: 'info', message: `${job.input.filename ?? 'the input picture'}: ${note}` });
          return {
            matrix: { rows: 1, cols: image.data.length, data: Float64Array.from(image.data) },
            itemShape: [image.height, image.width, image.channels],
            picture: true,
          };
        }
        const { labels, ...matrix } = decodeMatrix(bytes);
        return { matrix, labels, itemShape: job.input.itemShape };
      }
    }
  }

  /** Each file under its own name; the result lists them so downloads know what to fetch. */
  private async storeFiles(jobId: string, files: readonly OutputFile[]): Promise<OutputFileRef[]> {
    const refs: OutputFileRef[] = [];
    for (const file of files) {
      if (!OUTPUT_FILE_NAME.test(file.name)) throw new Error(`output file name ${JSON.stringify(file.name)} is not a plain file name`);
      await this.resources.artifacts.putBlob({ name: ObjectNames.output(jobId, file.name), description: file.description }, file.bytes);
      refs.push({ name: file.name, contentType: file.contentType, bytes: file.bytes.byteLength, description: file.description });
    }
    return refs;
  }

  private async progress(fraction: number, message: string): Promise<void> {
    const now = Date.now();
    if (fraction < 1 && now - this.lastProgressAt < PROGRESS_MIN_INTERVAL_MS) return;
    this.lastProgressAt = now;
    await this.publish({ type: 'progress', fraction: Math.min(Math.max(fraction, 0), 1), message });
  }

  private async publish(body: JobEventBody): Promise<void> {
    const envelope: JobEventEnvelope = { jobId: this.env.jobId, attempt: this.env.attempt, time: new Date().toISOString(), body };
    await this.resources.js.publish(jobEventSubject(this.env.jobId, eventChannel(body)), JSON.stringify(envelope));
  }
}

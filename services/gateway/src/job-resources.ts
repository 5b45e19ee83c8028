import { type JobEventEnvelope, type JobRecord, type JobResourceUse, JobStates, Nats, type ResourceSample, RUN_KIND_NAME, workerEventSubject } from '@gpulab/contracts';
import { type JetStreamManager } from '@nats-io/jetstream';

/**
 * A run job's resource use, read from its events rather than kept in its record: the worker
 * samples the command every few seconds, and writing each sample to the job's record would cost
 * the scheduler a write per sample per job. The latest progress event of the current attempt
 * carries both the latest sample and the peak so far, so one message lookup answers both.
 */
export class JobResources {
  constructor(private readonly jsm: JetStreamManager) {}

  /** The latest sample while the job runs, and the attempt's peak from its start on. */
  async of(job: JobRecord): Promise<JobResourceUse> {
    if (job.kind !== RUN_KIND_NAME || !job.startedAt) return {};
    const body = await this.lastProgress(job);
    if (!body) return {};
    // An event without a peak came from a worker that sent only samples: its latest is the best known.
    const peak = body.peak ?? body.resources;
    return { ...(job.state === JobStates.running && body.resources ? { latest: body.resources } : {}), ...(peak ? { peak } : {}) };
  }

  private async lastProgress(job: JobRecord): Promise<{ resources?: ResourceSample; peak?: ResourceSample } | undefined> {
    const subject = workerEventSubject(job.id, job.attempt, 'progress');
    // A lookup that fails (the stream busy, a timeout) leaves the job's status without its
    // samples rather than failing the whole GetJob: they are a view, not the job's state.
    const msg = await this.jsm.streams.getMessage(Nats.eventsStream, { last_by_subj: subject }).catch(() => null);
    if (!msg) return undefined;
    try {
      const envelope = msg.json<JobEventEnvelope>();
      return envelope.body.type === 'progress' ? envelope.body : undefined;
    } catch {
      return undefined;
    }
  }
}

import { type JobEventBody, type JobEventEnvelope, jobEventSubject, schedulerChannel } from '@gpulab/contracts';
import { type JetStreamClient } from '@nats-io/jetstream';
import { type Clock } from './clock';

/** Publishes the scheduler's side of a job's history (its state changes). */
export class JobEvents {
  constructor(
    private readonly js: JetStreamClient,
    private readonly clock: Clock,
  ) {}

  async publish(jobId: string, attempt: number, body: JobEventBody): Promise<void> {
    const envelope: JobEventEnvelope = { jobId, attempt, time: this.clock.now().toISOString(), body };
    await this.js.publish(jobEventSubject(jobId, schedulerChannel(body)), JSON.stringify(envelope));
  }
}

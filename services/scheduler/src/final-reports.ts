import { Inject, Injectable } from '@nestjs/common';
import { type JobEventEnvelope, Nats, workerEventSubject } from '@gpulab/contracts';
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { type NatsConnection } from '@nats-io/transport-node';
import { retryTransient } from '@gpulab/platform';
import { trustedReport } from './trusted-report';
import { NATS } from './tokens';

/** The reports that end an attempt. */
const FINAL_CHANNELS = ['report.result', 'report.failed'] as const;

/**
 * An attempt's last report read straight from the events stream. The reports consumer brings
 * reports in order, but after a NATS server is lost its pull may be gone with that server for a
 * few seconds; a worker that exited meanwhile would be taken for one that died without a word,
 * and its finished work run again. Its own report in the stream says how it ended.
 */
@Injectable()
export class FinalReports {
  private jsm?: Promise<JetStreamManager>;

  constructor(@Inject(NATS) private readonly nc: NatsConnection) {}

  /** The attempt's result or failure report, whichever came last; undefined when it sent neither. */
  async find(jobId: string, attempt: number): Promise<JobEventEnvelope | undefined> {
    this.jsm ??= jetstreamManager(this.nc);
    const jsm = await this.jsm.catch((error: unknown) => {
      this.jsm = undefined;
      throw error;
    });
    let last: { seq: number; report: JobEventEnvelope } | undefined;
    for (const channel of FINAL_CHANNELS) {
      const subject = workerEventSubject(jobId, attempt, channel);
      const message = await retryTransient(`last ${subject}`, () => jsm.streams.getMessage(Nats.eventsStream, { last_by_subj: subject }), { totalMs: 5_000 }).catch(() => null);
      const report = message ? trustedReport(subject, message.string()) : undefined;
      if (message && report && (!last || message.seq > last.seq)) last = { seq: message.seq, report };
    }
    return last?.report;
  }
}

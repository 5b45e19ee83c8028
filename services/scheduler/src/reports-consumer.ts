import { Inject, Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { attemptOfSubject, type JobEventEnvelope, Nats, ObjectNames } from '@gpulab/contracts';
import { AckPolicy, DeliverPolicy, type ConsumerMessages, jetstreamManager } from '@nats-io/jetstream';
import { type NatsConnection } from '@nats-io/transport-node';
import { type JetStreamResources } from '@gpulab/platform';
import { SchedulerService } from './scheduler.service';
import { JETSTREAM, NATS } from './tokens';

/**
 * Follows the workers' reports through a durable consumer: a report published while no
 * scheduler runs is delivered when one starts, and one is acknowledged only once applied.
 */
@Injectable()
export class ReportsConsumer {
  private messages?: ConsumerMessages;
  private done?: Promise<void>;

  constructor(
    @InjectPinoLogger(ReportsConsumer.name) private readonly log: PinoLogger,
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(JETSTREAM) private readonly resources: JetStreamResources,
    private readonly scheduler: SchedulerService,
  ) {}

  async start(): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    const existing = await jsm.consumers.info(Nats.eventsStream, Nats.schedulerReportsConsumer).catch(() => undefined);
    // A store from before reports named their attempt in the subject has the old filter.
    if (existing && existing.config.filter_subject !== Nats.allReports) await jsm.consumers.delete(Nats.eventsStream, Nats.schedulerReportsConsumer);
    if (!existing || existing.config.filter_subject !== Nats.allReports) {
      await jsm.consumers.add(Nats.eventsStream, {
        durable_name: Nats.schedulerReportsConsumer,
        filter_subject: Nats.allReports,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: 30_000_000_000,
      });
    }
    const consumer = await this.resources.js.consumers.get(Nats.eventsStream, Nats.schedulerReportsConsumer);
    this.messages = await consumer.consume({ max_messages: 64 });
    const messages = this.messages;
    this.done = (async () => {
      for await (const msg of messages) {
        try {
          const report = trustedReport(msg.subject, msg.string());
          if (report) await this.scheduler.report(report);
          else this.log.warn({ subject: msg.subject }, 'report dropped: its body does not match the job and attempt of its subject');
          msg.ack();
        } catch (error) {
          this.log.warn({ err: error, subject: msg.subject }, 'report not applied; it will be redelivered');
          msg.nak(1000);
        }
      }
    })();
  }

  async close(): Promise<void> {
    await this.messages?.close();
    await this.done;
  }
}

/**
 * The report a message carries, when it is what its subject says: the subject names the job and
 * attempt whose credentials alone may publish on it, so a body that claims another job or
 * attempt, or a result stored anywhere but the job's own place, is forged or broken.
 */
export function trustedReport(subject: string, text: string): JobEventEnvelope | undefined {
  const from = attemptOfSubject(subject);
  let report: JobEventEnvelope;
  try {
    report = JSON.parse(text) as JobEventEnvelope;
  } catch {
    return undefined;
  }
  if (!from || report?.jobId !== from.jobId || report.attempt !== from.attempt || typeof report.body !== 'object' || report.body === null) return undefined;
  const channel = subject.split('.').slice(4).join('.');
  if (channel !== `report.${report.body.type}`) return undefined;
  if (report.body.type === 'result' && report.body.resultRef !== ObjectNames.result(from.jobId)) return undefined;
  if (report.body.type === 'failed' && report.body.resultRef !== undefined && report.body.resultRef !== ObjectNames.result(from.jobId)) return undefined;
  return report;
}

import { Inject, Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { Nats } from '@gpulab/contracts';
import { AckPolicy, DeliverPolicy, type ConsumerMessages, jetstreamManager } from '@nats-io/jetstream';
import { type NatsConnection } from '@nats-io/transport-node';
import { isTransientNatsError, type JetStreamResources, PULL_EXPIRES_MS, retryTransient } from '@gpulab/platform';
import { SchedulerService } from './scheduler.service';
import { trustedReport } from './trusted-report';
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
    // Through a leader election on a cluster the setup waits, as the stores' calls do.
    await retryTransient('reports consumer setup', () => this.ensureConsumer());
    const consumer = await this.resources.js.consumers.get(Nats.eventsStream, Nats.schedulerReportsConsumer);
    this.messages = await consumer.consume({ max_messages: 64, expires: PULL_EXPIRES_MS });
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

  private async ensureConsumer(): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    // Only a consumer that is not there is created: one that does not answer yet exists.
    const existing = await jsm.consumers.info(Nats.eventsStream, Nats.schedulerReportsConsumer).catch((error: unknown) => {
      if (isTransientNatsError(error)) throw error;
      return undefined;
    });
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
  }

  async close(): Promise<void> {
    await this.messages?.close();
    await this.done;
  }
}

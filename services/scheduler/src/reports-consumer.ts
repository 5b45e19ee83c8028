import { Inject, Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { type JobEventEnvelope, Nats } from '@gpulab/contracts';
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
    try {
      await jsm.consumers.info(Nats.eventsStream, Nats.schedulerReportsConsumer);
    } catch {
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
          await this.scheduler.report(msg.json<JobEventEnvelope>());
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

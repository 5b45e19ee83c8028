import { Inject, Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { type CommandRequest, ErrorCodes, ErrorReasons, Nats as NatsNames, type Reply, SCHEDULER_COMMAND_NAMES, SchedulerCommands, type SchedulerCommandHandlers, type SchedulerCommandName } from '@gpulab/contracts';
import { type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { isTransientNatsError } from '@gpulab/platform';
import { CommandError } from './errors';
import { COMMAND_HANDLERS, NATS } from './tokens';

/**
 * Answers the gateway's commands: every command of the table `SchedulerCommands`, each on its
 * subject, by its handler (request/reply, one queue group for all scheduler instances).
 */
@Injectable()
export class CommandServer {
  private readonly subscriptions: Subscription[] = [];

  constructor(
    @InjectPinoLogger(CommandServer.name) private readonly log: PinoLogger,
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(COMMAND_HANDLERS) private readonly handlers: SchedulerCommandHandlers,
  ) {}

  /** Resolves once nats-server has the subscriptions, so a request right after start is answered. */
  async start(): Promise<void> {
    for (const name of SCHEDULER_COMMAND_NAMES) this.serve(name);
    await this.nc.flush();
  }

  private serve<K extends SchedulerCommandName>(name: K): void {
    const { subject } = SchedulerCommands[name];
    const handle = this.handlers[name];
    const sub = this.nc.subscribe(subject, {
      queue: NatsNames.schedulerQueueGroup,
      callback: (err, msg) => {
        if (err) {
          this.log.error({ err, subject }, 'command subscription failed');
          return;
        }
        void (async () => {
          let reply: Reply<unknown>;
          try {
            reply = { ok: true, value: await handle(msg.json<CommandRequest<K>>()) };
          } catch (error) {
            if (error instanceof CommandError) {
              reply = { ok: false, error: { code: error.code, message: error.message, reason: error.reason, metadata: error.metadata } };
            } else if (isTransientNatsError(error)) {
              // The store kept failing for longer than a write waits (a cluster without a
              // JetStream leader for that long): the command may be sent again.
              this.log.warn({ err: error, subject }, 'command failed: the store did not answer');
              reply = { ok: false, error: { code: ErrorCodes.unavailable, message: 'the scheduler cannot reach its store (NATS JetStream) just now; try again in a moment', reason: ErrorReasons.unavailable } };
            } else {
              this.log.error({ err: error, subject }, 'command failed');
              reply = { ok: false, error: { code: ErrorCodes.internal, message: 'the scheduler could not carry out the command; try again', reason: ErrorReasons.internal } };
            }
          }
          msg.respond(JSON.stringify(reply));
        })();
      },
    });
    this.subscriptions.push(sub);
  }

  async close(): Promise<void> {
    for (const sub of this.subscriptions.splice(0)) sub.unsubscribe();
  }
}

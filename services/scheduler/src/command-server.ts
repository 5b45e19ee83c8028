import { Inject, Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { ErrorCodes, ErrorReasons, type Reply, SchedulerSubjects } from '@gpulab/contracts';
import { Nats as NatsNames } from '@gpulab/contracts';
import { type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { CommandError } from './errors';
import { CalendarService } from './calendar.service';
import { SchedulerService } from './scheduler.service';
import { NATS } from './tokens';

/** Answers the gateway's commands (request/reply, one queue group for all scheduler instances). */
@Injectable()
export class CommandServer {
  private readonly subscriptions: Subscription[] = [];

  constructor(
    @InjectPinoLogger(CommandServer.name) private readonly log: PinoLogger,
    @Inject(NATS) private readonly nc: NatsConnection,
    private readonly scheduler: SchedulerService,
    private readonly calendar: CalendarService,
  ) {}

  /** Resolves once nats-server has the subscriptions, so a request right after start is answered. */
  async start(): Promise<void> {
    this.serve(SchedulerSubjects.submit, (c) => this.scheduler.submit(c));
    this.serve(SchedulerSubjects.cancel, (c) => this.scheduler.cancel(c));
    this.serve(SchedulerSubjects.get, (c) => this.scheduler.get(c));
    this.serve(SchedulerSubjects.list, (c) => this.scheduler.list(c));
    this.serve(SchedulerSubjects.deleteOutputs, (c) => this.scheduler.deleteOutputs(c));
    this.serve(SchedulerSubjects.calendar, () => this.calendar.calendar());
    this.serve(SchedulerSubjects.book, (c) => this.calendar.book(c));
    this.serve(SchedulerSubjects.cancelSlot, (c) => this.calendar.cancel(c));
    this.serve(SchedulerSubjects.moveSlot, (c) => this.calendar.move(c));
    this.serve(SchedulerSubjects.quota, (c) => this.calendar.quota(c));
    this.serve(SchedulerSubjects.usage, (c) => this.scheduler.usage(c));
    this.serve(SchedulerSubjects.feasibility, (c) => this.calendar.feasibility(c.caller));
    this.serve(SchedulerSubjects.setQuota, (c) => this.calendar.setQuota(c));
    this.serve(SchedulerSubjects.inventory, (c) => this.calendar.updateInventory(c));
    this.serve(SchedulerSubjects.teams, (c) => this.calendar.listTeams(c.caller));
    this.serve(SchedulerSubjects.createTeam, (c) => this.calendar.createTeam(c));
    this.serve(SchedulerSubjects.addMember, (c) => this.calendar.addMember(c));
    this.serve(SchedulerSubjects.removeMember, (c) => this.calendar.removeMember(c));
    this.serve(SchedulerSubjects.rotateMember, (c) => this.calendar.rotateMember(c));
    await this.nc.flush();
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private serve(subject: string, handle: (command: any) => Promise<unknown>): void {
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
            reply = { ok: true, value: await handle(msg.json()) };
          } catch (error) {
            if (error instanceof CommandError) {
              reply = { ok: false, error: { code: error.code, message: error.message, reason: error.reason, metadata: error.metadata } };
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

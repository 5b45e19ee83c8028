import { Inject, Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import {
  type BookSlotCommand,
  type CalendarReply,
  type Caller,
  ErrorCodes,
  type FeasibilityView,
  type InventoryReply,
  type MoveSlotCommand,
  type UpdateInventoryCommand,
  type QuotaQuery,
  type SetQuotaCommand,
  SLOT_KINDS,
  type SlotRef,
  type SlotRecord,
  type SlotView,
  type TeamQuotaView,
} from '@gpulab/contracts';
import { changeInventory, checkFeasibility, dayDate, dayOfDate, decideBooking, freeCapacity, INVALID_BOOKING_REQUESTS, relocateBookings, usageOf } from '@gpulab/scheduling';
import { randomBytes } from 'node:crypto';
import { CalendarStore } from './calendar-store';
import { calendarSnapshot, slotView, today } from './calendar-snapshot';
import { type Clock } from './clock';
import { type SchedulerConfig } from './config';
import { CommandError, invalid, precondition } from './errors';
import { SchedulerService } from './scheduler.service';
import { SerialExecutor } from './serial-executor';
import { TeamDirectory } from './team-directory';
import { CLOCK, SCHEDULER_CONFIG } from './tokens';

/** The slot commands: calendar, booking, cancelling, quotas and the feasibility report. */
@Injectable()
export class CalendarService {
  constructor(
    @InjectPinoLogger(CalendarService.name) private readonly log: PinoLogger,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly store: CalendarStore,
    private readonly teams: TeamDirectory,
    private readonly serial: SerialExecutor,
    private readonly scheduler: SchedulerService,
  ) {}

  calendar(): Promise<CalendarReply> {
    const snapshot = this.snapshot();
    const day = this.today();
    const term = this.store.term;
    return Promise.resolve({
      term: { start: term.start, days: term.days, timeZone: term.timeZone, today: dayDate(term, day) },
      servers: this.servers(),
      slots: this.store.allSlots().map((s) => slotView(this.store, s)),
      free: freeCapacity(snapshot, day).map(({ date, free }) => ({ date, free })),
    });
  }

  book(command: BookSlotCommand): Promise<SlotView> {
    return this.serial.run(async () => {
      const team = this.actingTeam(command.caller, command.team);
      if (!SLOT_KINDS.includes(command.kind)) throw invalid(`slot kind must be one of ${SLOT_KINDS.join(', ')}, not "${command.kind}"`);
      let startDay: number;
      try {
        startDay = dayOfDate(this.store.term, command.startDate);
      } catch (error) {
        throw invalid((error as Error).message);
      }
      const decision = decideBooking(this.snapshot(), { team, kind: command.kind, startDay, server: command.server || undefined }, this.today());
      if (!decision.ok) {
        throw new CommandError(INVALID_BOOKING_REQUESTS.has(decision.code) ? ErrorCodes.invalidArgument : ErrorCodes.failedPrecondition, decision.message);
      }
      const record: SlotRecord = {
        id: `s-${randomBytes(5).toString('hex')}`,
        team,
        kind: command.kind,
        startDay,
        days: this.snapshot().rules.lengthDays[command.kind],
        server: decision.lane.server,
        gpus: decision.lane.gpus,
        bookedBy: command.caller.name,
        bookedAt: this.clock.now().toISOString(),
      };
      await this.store.addSlot(record);
      this.log.info({ team, slotId: record.id, kind: record.kind, start: command.startDate, server: record.server, gpus: record.gpus }, 'slot booked');
      await this.scheduler.runCycle();
      return slotView(this.store, record);
    });
  }

  cancel(ref: SlotRef): Promise<SlotView> {
    return this.serial.run(async () => {
      const slot = this.store.slot(ref.slotId);
      if (!slot) throw new CommandError(ErrorCodes.notFound, `slot ${ref.slotId} does not exist`);
      if (ref.caller.role !== 'tutor' && slot.team !== ref.caller.team) throw new CommandError(ErrorCodes.permissionDenied, `slot ${slot.id} belongs to another team`);
      if (slot.startDay <= this.today()) {
        throw precondition(`slot ${slot.id} started on ${dayDate(this.store.term, slot.startDay)}; only slots that have not started can be cancelled`);
      }
      await this.store.removeSlot(slot.id);
      this.log.info({ team: slot.team, slotId: slot.id, by: ref.caller.name }, 'slot cancelled');
      return slotView(this.store, slot);
    });
  }

  move(command: MoveSlotCommand): Promise<SlotView> {
    this.tutorOnly(command.caller);
    return this.serial.run(async () => {
      const slot = this.store.slot(command.slotId);
      if (!slot) throw new CommandError(ErrorCodes.notFound, `slot ${command.slotId} does not exist`);
      const today = this.today();
      if (slot.startDay <= today) throw precondition(`slot ${slot.id} has started; only slots that have not started can be moved`);
      let startDay: number;
      try {
        startDay = dayOfDate(this.store.term, command.startDate);
      } catch (error) {
        throw invalid((error as Error).message);
      }
      const decision = decideBooking(this.snapshot(), { team: slot.team, kind: slot.kind, startDay, server: command.server || undefined, replacing: slot.id }, today);
      if (!decision.ok) {
        throw new CommandError(INVALID_BOOKING_REQUESTS.has(decision.code) ? ErrorCodes.invalidArgument : ErrorCodes.failedPrecondition, decision.message);
      }
      const moved = await this.store.moveSlot(slot.id, decision.lane.server, decision.lane.gpus, startDay);
      this.log.info({ team: slot.team, slotId: slot.id, to: command.startDate, server: moved.server, by: command.caller.name }, 'slot moved');
      await this.scheduler.runCycle();
      return slotView(this.store, moved);
    });
  }

  quota(query: QuotaQuery): Promise<TeamQuotaView[]> {
    const teams = query.caller.role === 'tutor' ? (query.team ? [query.team] : this.teams.teams()) : [this.actingTeam(query.caller, query.team)];
    const snapshot = this.snapshot();
    const day = this.today();
    return Promise.resolve(
      teams.map((team) => {
        if (!snapshot.teams.includes(team)) throw invalid(`there is no team "${team}"`);
        const usage = usageOf(snapshot, team, day);
        const kinds = Object.fromEntries(SLOT_KINDS.map((k) => [k, { ...usage[k], daysPerSlot: snapshot.rules.lengthDays[k] }])) as TeamQuotaView['kinds'];
        return { team, kinds, backfillGpuHours: this.scheduler.backfillGpuHours(team) };
      }),
    );
  }

  feasibility(caller: Caller): Promise<FeasibilityView> {
    this.tutorOnly(caller);
    const started = performance.now();
    const report = checkFeasibility(this.snapshot(), this.today());
    this.log.info({ verdict: report.verdict, nodes: report.nodes, ms: Math.round(performance.now() - started) }, 'feasibility checked');
    const stranded = this.snapshot().bookings.filter((b) => b.startDay + b.days > this.today() && this.onBrokenPair(b));
    return Promise.resolve({
      verdict: report.verdict,
      stranded: stranded.map((b) => slotView(this.store, b as SlotRecord)),
      suggestion: report.suggestion.map((s) => slotView(this.store, { ...s, id: '', bookedBy: '', bookedAt: '' })),
      short: report.short,
      unused: report.unusedPairs.map(({ date, pairs }) => ({ date, pairs })),
      demandPairDays: report.demandPairDays,
      freePairDays: report.freePairDays,
      nodes: report.nodes,
    });
  }

  setQuota(command: SetQuotaCommand): Promise<TeamQuotaView> {
    this.tutorOnly(command.caller);
    return this.serial.run(async () => {
      if (!this.teams.teams().includes(command.team)) throw invalid(`there is no team "${command.team}"`);
      if (!SLOT_KINDS.includes(command.kind)) throw invalid(`slot kind must be one of ${SLOT_KINDS.join(', ')}`);
      if (!Number.isInteger(command.quota) || command.quota < 0 || command.quota > 100) throw invalid(`quota must be a whole number from 0 to 100, not ${command.quota}`);
      await this.store.setQuota(command.team, command.kind, command.quota);
      this.log.info({ team: command.team, kind: command.kind, quota: command.quota, by: command.caller.name }, 'quota set');
      const [view] = await this.quota({ caller: command.caller, team: command.team });
      return view;
    });
  }

  updateInventory(command: UpdateInventoryCommand): Promise<InventoryReply> {
    this.tutorOnly(command.caller);
    return this.serial.run(async () => {
      const decision = changeInventory(this.store.inventory, command.change, {
        bookings: this.store.allSlots(),
        today: this.today(),
        busyServers: this.scheduler.busyServers(),
      });
      if (!decision.ok) {
        throw new CommandError(decision.code === 'SERVER_IN_USE' ? ErrorCodes.failedPrecondition : ErrorCodes.invalidArgument, decision.message);
      }
      await this.store.setInventory(decision.inventory);
      this.log.info({ change: command.change, by: command.caller.name }, 'inventory changed');
      const relocation = relocateBookings(this.snapshot(), this.today());
      const moved: SlotView[] = [];
      for (const { booking, to } of relocation.moved) {
        moved.push(slotView(this.store, await this.store.moveSlot(booking.id, to.server, to.gpus)));
        this.log.warn({ team: booking.team, slotId: booking.id, from: `${booking.server}:${booking.gpus.join(',')}`, to: `${to.server}:${to.gpus.join(',')}` }, 'slot moved off a broken GPU pair');
      }
      for (const booking of relocation.stranded) {
        this.log.warn({ team: booking.team, slotId: booking.id }, 'slot on a broken GPU pair could not be moved');
      }
      await this.scheduler.runCycle();
      return { servers: this.servers(), moved, stranded: relocation.stranded.map((b) => slotView(this.store, this.store.slot(b.id) ?? (b as SlotRecord))) };
    });
  }

  private servers() {
    return this.store.inventory.servers.map((s) => ({ name: s.name, gpus: s.gpus, brokenGpus: [...(s.brokenGpus ?? [])], drained: s.drained === true }));
  }

  private onBrokenPair(slot: { server: string; gpus: number[] }): boolean {
    const broken = this.snapshot().brokenGpus;
    return slot.gpus.some((index) => broken.has(`${slot.server}:${index}`));
  }

  private actingTeam(caller: Caller, team: string | undefined): string {
    if (caller.role === 'tutor') {
      if (!team) throw invalid('tutors name the team (--team NAME)');
      return team;
    }
    if (team && team !== caller.team) throw new CommandError(ErrorCodes.permissionDenied, `you act for team ${caller.team}, not ${team}`);
    if (!caller.team) throw invalid('the caller has no team');
    return caller.team;
  }

  private tutorOnly(caller: Caller): void {
    if (caller.role !== 'tutor') throw new CommandError(ErrorCodes.permissionDenied, 'only tutors can do this');
  }

  private snapshot() {
    return calendarSnapshot(this.store, this.teams);
  }

  private today(): number {
    return today(this.store, this.clock.now().getTime());
  }
}

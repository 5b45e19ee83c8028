import { Inject, Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { type BookSlotCommand, type CalendarReply, type Caller, canSee, ErrorCodes, ErrorReasons, type FeasibilityView, type InventoryReply, isTokenLifetimeMs, isTutor, type MemberCommand, type MemberEntry, type MemberTokenCommand, type MemberTokenReply, type MoveSlotCommand, type Notice, noticeSubject, type QuotaQuery, quoteInput, RESERVED_TEAM_NAMES, type SetQuotaCommand, SLOT_KINDS, type SlotRecord, type SlotRef, type SlotView, type TeamCommand, type TeamQuotaView, type TeamRecord, type TeamView, teamOf, TOKEN_HASH_PATTERN, TUTOR_NOTICES, type UpdateInventoryCommand } from '@gpulab/contracts';
import { changeInventory, checkFeasibility, gpuKey, dayDate, dayOfDate, decideBooking, freeCapacity, relocateBookings, usageOf } from '@gpulab/scheduling';
import { randomBytes } from 'node:crypto';
import { CalendarStore } from './calendar-store';
import { calendarSnapshot, slotView, today } from './calendar-snapshot';
import { type Clock } from './clock';
import { type SchedulerConfig } from './config';
import { bookingRefused, CommandError, inventoryRefused, invalid, noTeam, precondition } from './errors';
import { SchedulerService } from './scheduler.service';
import { SerialExecutor } from './serial-executor';
import { TeamDirectory } from './team-directory';
import { CLOCK, JETSTREAM, SCHEDULER_CONFIG } from './tokens';
import { type JetStreamResources } from '@gpulab/platform';

const NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

function teamView(team: TeamRecord): TeamView {
  return {
    name: team.name,
    members: team.members.map((m) => m.name),
    roster: team.members.map((m) => ({ name: m.name, ...(m.expiresAt ? { expiresAt: m.expiresAt } : {}) })),
    source: 'tutor',
  };
}

/** A name as a message may quote it: never an unbounded input. */
function shorten(text: string): string {
  return text.length <= 40 ? text : `${text.slice(0, 40)}…`;
}

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
    @Inject(JETSTREAM) private readonly resources: JetStreamResources,
  ) {}

  private get js() {
    return this.resources.js;
  }

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
      if (!SLOT_KINDS.includes(command.kind)) throw invalid(`slot kind must be one of ${SLOT_KINDS.join(', ')}, not ${quoteInput(command.kind)}`, { field: 'kind' });
      let startDay: number;
      try {
        startDay = dayOfDate(this.store.term, command.startDate);
      } catch (error) {
        throw invalid((error as Error).message);
      }
      const snapshot = this.snapshot();
      const decision = decideBooking(snapshot, { team, kind: command.kind, startDay, server: command.server || undefined }, this.today());
      if (!decision.ok) throw bookingRefused(decision, { team, kind: command.kind, startDate: command.startDate });
      const record: SlotRecord = {
        id: `s-${randomBytes(5).toString('hex')}`,
        team,
        kind: command.kind,
        startDay,
        days: snapshot.rules.lengthDays[command.kind],
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
      if (!slot) throw new CommandError(ErrorCodes.notFound, `slot ${ref.slotId} does not exist`, { reason: ErrorReasons.slotNotFound, metadata: { slot: ref.slotId } });
      if (!canSee(ref.caller, slot.team)) throw new CommandError(ErrorCodes.permissionDenied, `slot ${slot.id} belongs to another team`, { reason: ErrorReasons.otherTeam, metadata: { slot: slot.id } });
      if (slot.startDay <= this.today()) {
        throw precondition(`slot ${slot.id} started on ${dayDate(this.store.term, slot.startDay)}; only slots that have not started can be cancelled`, ErrorReasons.slotStarted, { slot: slot.id, team: slot.team });
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
      if (!slot) throw new CommandError(ErrorCodes.notFound, `slot ${command.slotId} does not exist`, { reason: ErrorReasons.slotNotFound, metadata: { slot: command.slotId } });
      const today = this.today();
      if (slot.startDay <= today) throw precondition(`slot ${slot.id} has started; only slots that have not started can be moved`, ErrorReasons.slotStarted, { slot: slot.id, team: slot.team });
      let startDay: number;
      try {
        startDay = dayOfDate(this.store.term, command.startDate);
      } catch (error) {
        throw invalid((error as Error).message);
      }
      const decision = decideBooking(this.snapshot(), { team: slot.team, kind: slot.kind, startDay, server: command.server || undefined, replacing: slot.id }, today);
      if (!decision.ok) throw bookingRefused(decision, { team: slot.team, slot: slot.id, startDate: command.startDate });
      const moved = await this.store.moveSlot(slot.id, decision.lane.server, decision.lane.gpus, startDay);
      this.log.info({ team: slot.team, slotId: slot.id, to: command.startDate, server: moved.server, by: command.caller.name }, 'slot moved');
      await this.scheduler.runCycle();
      return slotView(this.store, moved);
    });
  }

  quota(query: QuotaQuery): Promise<TeamQuotaView[]> {
    const teams = isTutor(query.caller) ? (query.team ? [query.team] : this.teams.teams()) : [this.actingTeam(query.caller, query.team)];
    const snapshot = this.snapshot();
    const day = this.today();
    return Promise.resolve(
      teams.map((team) => {
        if (!snapshot.teams.includes(team)) throw new CommandError(ErrorCodes.invalidArgument, `there is no team ${quoteInput(team)}`, { reason: ErrorReasons.unknownTeam, metadata: { team } });
        const usage = usageOf(snapshot, team, day);
        const kinds = Object.fromEntries(SLOT_KINDS.map((k) => [k, { ...usage[k], daysPerSlot: snapshot.rules.lengthDays[k] }])) as TeamQuotaView['kinds'];
        return { team, kinds, backfillGpuHours: this.scheduler.backfillGpuHours(team) };
      }),
    );
  }

  feasibility(caller: Caller): Promise<FeasibilityView> {
    this.tutorOnly(caller);
    const started = performance.now();
    const snapshot = this.snapshot();
    const today = this.today();
    const report = checkFeasibility(snapshot, today);
    this.log.info({ verdict: report.verdict, nodes: report.nodes, ms: Math.round(performance.now() - started) }, 'feasibility checked');
    const stranded = snapshot.bookings.filter((b) => b.startDay + b.days > today && b.gpus.some((index) => snapshot.brokenGpus.has(gpuKey({ server: b.server, index }))));
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
      if (!this.teams.teams().includes(command.team)) throw new CommandError(ErrorCodes.invalidArgument, `there is no team ${quoteInput(command.team)}`, { reason: ErrorReasons.unknownTeam, metadata: { team: command.team } });
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
        throw inventoryRefused(decision);
      }
      await this.store.setInventory(decision.inventory);
      this.log.info({ change: command.change, by: command.caller.name }, 'inventory changed');
      const relocation = relocateBookings(this.snapshot(), this.today());
      const moved: SlotView[] = [];
      for (const { booking, to } of relocation.moved) {
        const view = slotView(this.store, await this.store.moveSlot(booking.id, to.server, to.gpus));
        moved.push(view);
        this.log.warn({ team: booking.team, slotId: booking.id, from: `${booking.server}:${booking.gpus.join(',')}`, to: `${to.server}:${to.gpus.join(',')}` }, 'slot moved off a broken GPU pair');
        await this.notify(booking.team, `your ${booking.kind} slot ${booking.id} from ${view.startsAt} moved from ${booking.server} GPUs ${booking.gpus.join(',')} to ${to.server} GPUs ${to.gpus.join(',')}: a GPU was taken out of service`);
      }
      for (const booking of relocation.stranded) {
        this.log.warn({ team: booking.team, slotId: booking.id }, 'slot on a broken GPU pair could not be moved');
        const view = slotView(this.store, this.store.slot(booking.id) ?? (booking as SlotRecord));
        const message = `the ${booking.kind} slot ${booking.id} of team ${booking.team} from ${view.startsAt} is on ${booking.server} GPUs ${booking.gpus.join(',')}, which include a broken GPU, and no free pair exists for its days`;
        await this.notify(booking.team, `${message}; the tutors are told`);
        await this.notify(TUTOR_NOTICES, `${message}: move or cancel it`);
      }
      await this.scheduler.runCycle();
      return { servers: this.servers(), moved, stranded: relocation.stranded.map((b) => slotView(this.store, this.store.slot(b.id) ?? (b as SlotRecord))) };
    });
  }

  listTeams(caller: Caller): Promise<TeamView[]> {
    this.tutorOnly(caller);
    const created = new Map(this.store.allTeams().map((t) => [t.name, t]));
    return Promise.resolve(
      this.teams.teams().map((name) => {
        const team = created.get(name);
        return team ? teamView(team) : { name, members: [name], roster: [{ name }], source: 'tokens-file' as const };
      }),
    );
  }

  createTeam(command: TeamCommand): Promise<TeamView> {
    this.tutorOnly(command.caller);
    return this.serial.run(async () => {
      const name = command.team.trim();
      if (!NAME.test(name)) throw invalid(`"${command.team}" is not a team name: 1 to 32 lowercase letters, digits or -, starting with a letter or digit`);
      // Tutors' jobs, uploads and notices are keyed by these audiences; a team of that name would reach them.
      if (RESERVED_TEAM_NAMES.includes(name)) throw new CommandError(ErrorCodes.invalidArgument, `${quoteInput(name)} is reserved for gpulab's own use; choose another team name`, { reason: ErrorReasons.reservedName, metadata: { team: name } });
      if (this.teams.teams().includes(name)) throw new CommandError(ErrorCodes.alreadyExists, `team ${name} exists already`, { metadata: { team: name } });
      if (this.teams.teams().length >= this.config.maxTeams) {
        throw precondition(`the course has its ${this.config.maxTeams} teams already (GPULAB_MAX_TEAMS)`, ErrorReasons.limitReached);
      }
      await this.store.createTeam({ name, createdAt: this.clock.now().toISOString(), members: [] });
      this.log.info({ team: name, by: command.caller.name }, 'team created');
      return { name, members: [], roster: [], source: 'tutor' };
    });
  }

  /**
   * The token was made by the gateway; only its hash arrives. The token record is written first
   * and the team record second: only the team record makes a token valid, so a failure between
   * the two leaves an orphan record that opens nothing.
   */
  addMember(command: MemberTokenCommand): Promise<MemberTokenReply> {
    this.tutorOnly(command.caller);
    return this.serial.run(async () => {
      const team = this.tutorTeam(command.team);
      const member = command.member.trim();
      if (!NAME.test(member)) throw invalid(`"${shorten(command.member)}" is not a member name: 1 to 32 lowercase letters, digits or -`);
      if (team.members.some((m) => m.name === member)) throw new CommandError(ErrorCodes.alreadyExists, `${member} is already in team ${team.name}`, { metadata: { team: team.name, member } });
      if (team.members.length >= this.config.maxMembers) {
        throw precondition(`team ${team.name} has its ${this.config.maxMembers} members already (GPULAB_MAX_MEMBERS)`, ErrorReasons.limitReached, { team: team.name });
      }
      const entry = this.memberEntry(member, command);
      await this.store.putToken(entry.tokenHash, { team: team.name, member, expiresAt: entry.expiresAt });
      await this.commitTeam({ ...team, members: [...team.members, entry] }, entry.tokenHash);
      this.log.info({ team: team.name, member, expiresAt: entry.expiresAt, by: command.caller.name }, 'member added');
      return { team: team.name, member, expiresAt: entry.expiresAt };
    });
  }

  /**
   * Replaces a member's token. The team record's update is the moment of the switch: before it
   * the old token works and the new one not, after it the reverse. The old token's record is
   * deleted after; should that fail, the record is an orphan the gateway no longer honours.
   */
  rotateMember(command: MemberTokenCommand): Promise<MemberTokenReply> {
    this.tutorOnly(command.caller);
    return this.serial.run(async () => {
      const team = this.tutorTeam(command.team);
      const old = this.member(team, command.member);
      const entry = this.memberEntry(old.name, command);
      if (entry.tokenHash === old.tokenHash) throw invalid('the new token must differ from the old one');
      await this.store.putToken(entry.tokenHash, { team: team.name, member: old.name, expiresAt: entry.expiresAt });
      await this.commitTeam({ ...team, members: team.members.map((m) => (m === old ? entry : m)) }, entry.tokenHash);
      await this.dropToken(old.tokenHash, team.name, old.name);
      this.log.info({ team: team.name, member: old.name, expiresAt: entry.expiresAt, by: command.caller.name }, 'member token rotated');
      return { team: team.name, member: old.name, expiresAt: entry.expiresAt };
    });
  }

  /** As with rotation, the team record's update revokes the token; its record goes after. */
  removeMember(command: MemberCommand): Promise<TeamView> {
    this.tutorOnly(command.caller);
    return this.serial.run(async () => {
      const team = this.tutorTeam(command.team);
      const member = this.member(team, command.member);
      const next = { ...team, members: team.members.filter((m) => m !== member) };
      await this.store.updateTeam(next);
      await this.dropToken(member.tokenHash, team.name, member.name);
      this.log.info({ team: team.name, member: member.name, by: command.caller.name }, 'member removed');
      return teamView(next);
    });
  }

  private member(team: TeamRecord, name: string): MemberEntry {
    const member = team.members.find((m) => m.name === name.trim());
    if (!member) throw new CommandError(ErrorCodes.notFound, `${shorten(name)} is not in team ${team.name}; members: ${team.members.map((m) => m.name).join(', ') || 'none'}`, { reason: ErrorReasons.memberNotFound, metadata: { team: team.name, member: shorten(name) } });
    return member;
  }

  /** The new entry of a member's token, from what the gateway sent (checked: it is input too). */
  private memberEntry(name: string, command: MemberTokenCommand): MemberEntry {
    if (typeof command.tokenHash !== 'string' || !TOKEN_HASH_PATTERN.test(command.tokenHash)) throw invalid('the token hash must be 64 lowercase hex digits (sha-256)');
    if (command.lifetimeMs !== undefined && !isTokenLifetimeMs(command.lifetimeMs)) throw invalid('the token lifetime must be from 1 hour to 400 days');
    const now = this.clock.now();
    const expiresAt = command.lifetimeMs === undefined ? undefined : new Date(now.getTime() + command.lifetimeMs).toISOString();
    return { name, tokenHash: command.tokenHash, createdAt: now.toISOString(), ...(expiresAt ? { expiresAt } : {}) };
  }

  /** Writes the team record that makes `newHash` valid; if that fails, the new token record goes too. */
  private async commitTeam(team: TeamRecord, newHash: string): Promise<void> {
    try {
      await this.store.updateTeam(team);
    } catch (error) {
      await this.dropToken(newHash, team.name, '(new token)');
      throw error;
    }
  }

  /** Deleting a token record is tidying: the team record no longer names it, so it opens nothing. */
  private async dropToken(hash: string, team: string, member: string): Promise<void> {
    try {
      await this.store.deleteToken(hash);
    } catch (err) {
      this.log.warn({ err, team, member }, 'a token record no team names could not be deleted; it opens nothing');
    }
  }

  private tutorTeam(name: string) {
    const team = this.store.team(name.trim());
    if (team) return team;
    if (this.teams.teamsOfFile().includes(name.trim())) throw precondition(`team ${name} is defined in the tokens file; its token is there`);
    throw new CommandError(ErrorCodes.notFound, `there is no team "${shorten(name)}"`, { reason: ErrorReasons.unknownTeam, metadata: { team: shorten(name) } });
  }

  private async notify(audience: string, message: string): Promise<void> {
    const notice: Notice = { audience, time: this.clock.now().toISOString(), message };
    await this.js.publish(noticeSubject(audience), JSON.stringify(notice));
  }

  private servers() {
    return this.store.inventory.servers.map((s) => ({ name: s.name, gpus: s.gpus, brokenGpus: [...(s.brokenGpus ?? [])], drained: s.drained === true }));
  }

  private actingTeam(caller: Caller, team: string | undefined): string {
    if (isTutor(caller)) {
      if (!team) throw invalid('tutors name the team (--team NAME)');
      return team;
    }
    if (team && team !== caller.team) throw new CommandError(ErrorCodes.permissionDenied, `you act for team ${caller.team}, not ${team}`, { reason: ErrorReasons.otherTeam, metadata: { team } });
    return teamOf(caller, noTeam);
  }

  private tutorOnly(caller: Caller): void {
    if (!isTutor(caller)) throw new CommandError(ErrorCodes.permissionDenied, 'only tutors can do this', { reason: ErrorReasons.tutorOnly });
  }

  private snapshot() {
    return calendarSnapshot(this.store, this.teams);
  }

  private today(): number {
    return today(this.store, this.clock.now().getTime());
  }
}

import { type AddBenchScheduleCommand, type BenchScheduleRef, type BenchScheduleView, type PauseBenchScheduleCommand } from './bench-schedules';
import { type CallerQuery, type DeleteOutputsCommand, type DeleteOutputsReply, type JobRef, type JobReply, type ListQuery, type ListReply, type SubmitCommand } from './commands';
import {
  type BookSlotCommand,
  type CalendarReply,
  type FeasibilityView,
  type InventoryReply,
  type MemberCommand,
  type MemberTokenCommand,
  type MemberTokenReply,
  type MoveSlotCommand,
  type QuotaQuery,
  type SetQuotaCommand,
  type SlotRef,
  type SlotView,
  type TeamCommand,
  type TeamQuotaView,
  type TeamView,
  type UpdateInventoryCommand,
  type UsageQuery,
  type UsageRow,
} from './slots';
import { schedulerCommandSubject } from './subjects';

/**
 * One request/reply command the scheduler answers. `Request` and `Response` exist only for the
 * compiler: the gateway's client and the scheduler's server read them from the table, so neither
 * can send or answer a shape the other does not expect.
 */
export interface SchedulerCommand<Request, Response> {
  /** `gpulab.scheduler.<name>`. */
  readonly subject: string;
  /**
   * Whether carrying it out twice is carrying it out once (reads; a submission, by its job id),
   * so the gateway may send it again when it cannot know whether it arrived.
   */
  readonly idempotent: boolean;
  /** Never set: carries the command's types. */
  readonly types?: { request: Request; response: Response };
}

function command<Request, Response>(name: string, options: { idempotent?: boolean } = {}): SchedulerCommand<Request, Response> {
  return { subject: schedulerCommandSubject(name), idempotent: options.idempotent === true };
}

const IDEMPOTENT = { idempotent: true } as const;

/**
 * Every command the scheduler answers, by the name the gateway calls it. Adding one is an entry
 * here and its handler in the scheduler's `command-handlers.ts`; the subject, the permissions,
 * the gateway's `scheduler.call(name, request)` and the scheduler's subscription follow.
 * Subjects are wire names older gateways and schedulers still use: never rename one.
 */
export const SchedulerCommands = {
  /** Idempotent by its job id: a second one is answered as the first. */
  submit: command<SubmitCommand, JobReply>('submit', IDEMPOTENT),
  cancel: command<JobRef, JobReply>('cancel'),
  get: command<JobRef, JobReply>('get', IDEMPOTENT),
  list: command<ListQuery, ListReply>('list', IDEMPOTENT),
  deleteOutputs: command<DeleteOutputsCommand, DeleteOutputsReply>('delete-outputs'),
  calendar: command<CallerQuery, CalendarReply>('slots.calendar', IDEMPOTENT),
  book: command<BookSlotCommand, SlotView>('slots.book'),
  cancelSlot: command<SlotRef, SlotView>('slots.cancel'),
  moveSlot: command<MoveSlotCommand, SlotView>('slots.move'),
  quota: command<QuotaQuery, TeamQuotaView[]>('slots.quota', IDEMPOTENT),
  usage: command<UsageQuery, UsageRow[]>('slots.usage', IDEMPOTENT),
  feasibility: command<CallerQuery, FeasibilityView>('admin.feasibility', IDEMPOTENT),
  setQuota: command<SetQuotaCommand, TeamQuotaView>('admin.set-quota'),
  inventory: command<UpdateInventoryCommand, InventoryReply>('admin.inventory'),
  teams: command<CallerQuery, TeamView[]>('admin.teams', IDEMPOTENT),
  createTeam: command<TeamCommand, TeamView>('admin.create-team'),
  /** Carries the new token's hash only: the token stays in the gateway. */
  addMember: command<MemberTokenCommand, MemberTokenReply>('admin.add-member'),
  removeMember: command<MemberCommand, TeamView>('admin.remove-member'),
  /** As addMember: the new token's hash goes, the reply names no token. */
  rotateMember: command<MemberTokenCommand, MemberTokenReply>('admin.rotate-member'),
  addBenchSchedule: command<AddBenchScheduleCommand, BenchScheduleView>('bench.schedule-add'),
  benchSchedules: command<CallerQuery, BenchScheduleView[]>('bench.schedules', IDEMPOTENT),
  removeBenchSchedule: command<BenchScheduleRef, BenchScheduleView>('bench.schedule-remove'),
  pauseBenchSchedule: command<PauseBenchScheduleCommand, BenchScheduleView>('bench.schedule-pause'),
} as const;

/** The name of a scheduler command: a key of {@link SchedulerCommands}. */
export type SchedulerCommandName = keyof typeof SchedulerCommands;

/** What the command `K` sends. */
export type CommandRequest<K extends SchedulerCommandName> = (typeof SchedulerCommands)[K] extends SchedulerCommand<infer Request, unknown> ? Request : never;

/** What the command `K` answers when it succeeds. */
export type CommandResponse<K extends SchedulerCommandName> = (typeof SchedulerCommands)[K] extends SchedulerCommand<unknown, infer Response> ? Response : never;

/** One function per command: what the scheduler must provide, every command or it does not compile. */
export type SchedulerCommandHandlers = { readonly [K in SchedulerCommandName]: (request: CommandRequest<K>) => Promise<CommandResponse<K>> };

/** The commands' names, in the table's order. */
export const SCHEDULER_COMMAND_NAMES = Object.keys(SchedulerCommands) as SchedulerCommandName[];

/** Each command's subject, by name. */
export const SchedulerSubjects = Object.fromEntries(SCHEDULER_COMMAND_NAMES.map((name) => [name, SchedulerCommands[name].subject])) as { readonly [K in SchedulerCommandName]: string };

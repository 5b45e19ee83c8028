import { ALL_JOB_STATES, isErrorReason, isTerminalState, type MemberCommand, type MemberTokenCommand, type MemberTokenReply, type TeamCommand, type TeamView, type MoveSlotCommand, type UsageQuery, type UsageRow, type InventoryReply, type UpdateInventoryCommand, type BookSlotCommand, type CalendarReply, type Caller, type FeasibilityView, type QuotaQuery, type SetQuotaCommand, type SlotRef, type SlotView, type TeamQuotaView, type JobRecord, type JobReply, type ListQuery, type ListReply, type Reply, SchedulerSubjects, type SubmitCommand, type JobRef, ErrorCodes, type DeleteOutputsCommand, type DeleteOutputsReply } from '@gpulab/contracts';
import { type NatsConnection } from '@nats-io/transport-node';
import { GatewayError } from './errors';

/** The gateway itself asking about every team's jobs, for checks no user could make alone. */
const GATEWAY_CALLER: Caller = { role: 'tutor', name: 'gateway' };

/** The scheduler's commands over NATS request/reply. */
export class SchedulerClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {}

  submit(command: SubmitCommand): Promise<JobReply> {
    return this.request(SchedulerSubjects.submit, command);
  }

  cancel(ref: JobRef): Promise<JobReply> {
    return this.request(SchedulerSubjects.cancel, ref);
  }

  async get(ref: JobRef): Promise<JobRecord> {
    return (await this.request<JobReply>(SchedulerSubjects.get, ref)).job;
  }

  deleteOutputs(command: DeleteOutputsCommand): Promise<DeleteOutputsReply> {
    return this.request(SchedulerSubjects.deleteOutputs, command);
  }

  list(query: ListQuery): Promise<ListReply> {
    return this.request(SchedulerSubjects.list, query);
  }

  calendar(caller: Caller): Promise<CalendarReply> {
    return this.request(SchedulerSubjects.calendar, { caller });
  }

  book(command: BookSlotCommand): Promise<SlotView> {
    return this.request(SchedulerSubjects.book, command);
  }

  cancelSlot(ref: SlotRef): Promise<SlotView> {
    return this.request(SchedulerSubjects.cancelSlot, ref);
  }

  moveSlot(command: MoveSlotCommand): Promise<SlotView> {
    return this.request(SchedulerSubjects.moveSlot, command);
  }

  quota(query: QuotaQuery): Promise<TeamQuotaView[]> {
    return this.request(SchedulerSubjects.quota, query);
  }

  feasibility(caller: Caller): Promise<FeasibilityView> {
    return this.request(SchedulerSubjects.feasibility, { caller });
  }

  setQuota(command: SetQuotaCommand): Promise<TeamQuotaView> {
    return this.request(SchedulerSubjects.setQuota, command);
  }

  usage(query: UsageQuery): Promise<UsageRow[]> {
    return this.request(SchedulerSubjects.usage, query);
  }

  updateInventory(command: UpdateInventoryCommand): Promise<InventoryReply> {
    return this.request(SchedulerSubjects.inventory, command);
  }

  teams(caller: Caller): Promise<TeamView[]> {
    return this.request(SchedulerSubjects.teams, { caller });
  }

  createTeam(command: TeamCommand): Promise<TeamView> {
    return this.request(SchedulerSubjects.createTeam, command);
  }

  /** Carries the new token's hash only: the token stays in the gateway. */
  addMember(command: MemberTokenCommand): Promise<MemberTokenReply> {
    return this.request(SchedulerSubjects.addMember, command);
  }

  /** As addMember: the new token's hash goes, the reply names no token. */
  rotateMember(command: MemberTokenCommand): Promise<MemberTokenReply> {
    return this.request(SchedulerSubjects.rotateMember, command);
  }

  removeMember(command: MemberCommand): Promise<TeamView> {
    return this.request(SchedulerSubjects.removeMember, command);
  }

  /** Jobs that have not ended and read this artifact (as their input or a parameter), of every team. */
  async unfinishedJobsReading(artifactId: string): Promise<JobRecord[]> {
    const states = ALL_JOB_STATES.filter((s) => !isTerminalState(s));
    const out: JobRecord[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.list({ caller: GATEWAY_CALLER, states, pageSize: 500, pageToken });
      out.push(...page.jobs.filter((j) => (j.input.source === 'object' && j.input.artifactId === artifactId) || Object.values(j.params).includes(artifactId)));
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  }

  private async request<T>(subject: string, body: unknown): Promise<T> {
    let reply: Reply<T>;
    try {
      const msg = await this.nc.request(subject, JSON.stringify(body), { timeout: this.timeoutMs });
      reply = msg.json<Reply<T>>();
    } catch (error) {
      throw new GatewayError(ErrorCodes.unavailable, 'the scheduler is not answering; try again in a moment', { cause: error });
    }
    if (!reply.ok) throw new GatewayError(reply.error.code, reply.error.message, { reason: isErrorReason(reply.error.reason) ? reply.error.reason : undefined, metadata: reply.error.metadata });
    return reply.value;
  }
}

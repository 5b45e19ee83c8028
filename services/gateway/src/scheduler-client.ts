import { ALL_JOB_STATES, type Caller, type CommandRequest, type CommandResponse, ErrorCodes, isErrorReason, isTerminalState, type JobRecord, type Reply, SchedulerCommands, type SchedulerCommandName } from '@gpulab/contracts';
import { retryTransient } from '@gpulab/platform';
import { type NatsConnection, RequestError } from '@nats-io/transport-node';
import { GatewayError } from './errors';

/** The gateway itself asking about every team's jobs, for checks no user could make alone. */
const GATEWAY_CALLER: Caller = { role: 'tutor', name: 'gateway' };

/** The scheduler's commands over NATS request/reply, each typed by the table `SchedulerCommands`. */
export class SchedulerClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Sends one command and answers its value. While no scheduler listens (one taking over the
   * lead, or reconnecting after its NATS server was lost) the command is sent again, within the
   * timeout: no one received it, so sending it again cannot carry it out twice. A scheduler that
   * does not answer within the timeout is `UNAVAILABLE` (the caller may retry); an error the
   * scheduler answers keeps its code, reason and metadata.
   */
  async call<K extends SchedulerCommandName>(name: K, request: CommandRequest<K>): Promise<CommandResponse<K>> {
    let reply: Reply<CommandResponse<K>>;
    const deadline = performance.now() + this.timeoutMs;
    try {
      const msg = await retryTransient(
        `scheduler ${name}`,
        () => this.nc.request(SchedulerCommands[name].subject, JSON.stringify(request), { timeout: Math.max(Math.round(deadline - performance.now()), 1) }),
        { totalMs: this.timeoutMs, maxDelayMs: 500, retryable: isNoResponders },
      );
      reply = msg.json<Reply<CommandResponse<K>>>();
    } catch (error) {
      throw new GatewayError(ErrorCodes.unavailable, 'the scheduler is not answering; try again in a moment', { cause: error });
    }
    if (!reply.ok) throw new GatewayError(reply.error.code, reply.error.message, { reason: isErrorReason(reply.error.reason) ? reply.error.reason : undefined, metadata: reply.error.metadata });
    return reply.value;
  }

  /** Jobs that have not ended and read this artifact (as their input or a parameter), of every team. */
  async unfinishedJobsReading(artifactId: string): Promise<JobRecord[]> {
    const states = ALL_JOB_STATES.filter((s) => !isTerminalState(s));
    const out: JobRecord[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.call('list', { caller: GATEWAY_CALLER, states, pageSize: 500, pageToken });
      out.push(...page.jobs.filter((j) => (j.input.source === 'object' && j.input.artifactId === artifactId) || Object.values(j.params).includes(artifactId)));
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  }
}

/** Nobody subscribed to the subject: the request reached no scheduler. */
function isNoResponders(error: unknown): boolean {
  return error instanceof RequestError && error.isNoResponders();
}

import { ALL_JOB_STATES, type Caller, type CommandRequest, type CommandResponse, ErrorCodes, isErrorReason, isTerminalState, type JobRecord, type Reply, SchedulerCommands, type SchedulerCommandName } from '@gpulab/contracts';
import { retryTransient } from '@gpulab/platform';
import { type NatsConnection, RequestError } from '@nats-io/transport-node';
import { GatewayError } from './errors';

/** The gateway itself asking about every team's jobs, for checks no user could make alone. */
const GATEWAY_CALLER: Caller = { role: 'tutor', name: 'gateway' };

/** The scheduler's commands over NATS request/reply, each typed by the table `SchedulerCommands`. */
export class SchedulerClient {
  /** Resolves when the connection is back after a loss; replaced by a new one each time. */
  private reconnected = signal();

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type !== 'reconnect') continue;
        const back = this.reconnected;
        this.reconnected = signal();
        back.resolve();
      }
    })().catch(() => undefined);
  }

  /**
   * Sends one command and answers its value. While no scheduler listens (one taking over the
   * lead, or reconnecting after its NATS server was lost) the command is sent again, within the
   * timeout: no one received it, so sending it again cannot carry it out twice. A command that may be
   * carried out twice (`idempotent`) is also sent again when the gateway's connection to NATS
   * came back while it waited. A scheduler that does not answer within the timeout is `UNAVAILABLE` (the caller may retry); an error the
   * scheduler answers keeps its code, reason and metadata.
   */
  async call<K extends SchedulerCommandName>(name: K, request: CommandRequest<K>): Promise<CommandResponse<K>> {
    let reply: Reply<CommandResponse<K>>;
    const deadline = performance.now() + this.timeoutMs;
    try {
      const { subject, idempotent } = SchedulerCommands[name];
      const msg = await retryTransient(
        `scheduler ${name}`,
        () => {
          const answer = this.nc.request(subject, JSON.stringify(request), { timeout: Math.max(Math.round(deadline - performance.now()), 1) });
          if (!idempotent) return answer;
          // A command sent as the gateway's NATS server went is lost with it, and no answer
          // ever comes: one that may be carried out twice is sent again once the connection
          // is back, rather than waiting out the timeout.
          answer.catch(() => undefined);
          return Promise.race([answer, this.reconnected.promise.then(() => Promise.reject(new LostWithConnection()))]);
        },
        { totalMs: this.timeoutMs, maxDelayMs: 500, retryable: (error) => isNoResponders(error) || error instanceof LostWithConnection },
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

/** The connection was lost and came back while a command waited for its answer. */
class LostWithConnection extends Error {
  constructor() {
    super('the NATS connection was lost while the command waited for its answer');
    this.name = 'LostWithConnection';
  }
}

function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

import { ErrorCodes, type JobEventEnvelope, jobEventsFilter, jobEventToProto, isTerminalState, Nats, type pb } from '@gpulab/contracts';
import { type ConsumerMessages, DeliverPolicy, type JetStreamClient, type MsgRequest } from '@nats-io/jetstream';
import { isTransientNatsError, PULL_EXPIRES_MS } from '@gpulab/platform';
import { GatewayError } from './errors';
import { EventFanOut, FellBehindError } from './event-fan-out';
import { type ResultReader } from './result-reader';

/** How often a quiet job is asked whether it ended without a final event reaching its feed. */
const QUIET_CHECK_MS = 3000;
/** Events of one job kept in memory for its watchers; a longer history replays from a new consumer. */
const MAX_KEPT_EVENTS = 10_000;
/** How often a feed read message by message looks for the job's next event. */
const POLL_MS = 250;

/** One event as read from the stream, with its place there. */
interface StoredEvent {
  seq: number;
  envelope: JobEventEnvelope;
}

/** One job's events, read from the events stream once for all its watchers. */
interface JobChannel {
  fanOut: EventFanOut<pb.JobEvent>;
  /** Asks the scheduler whether the job is over, as one of the watchers (all may see the job). */
  isOver: Array<() => Promise<boolean>>;
  /** Resolves once the consumer reads; rejects when it could not be opened. */
  ready: Promise<void>;
}

/**
 * A job's history from the events stream: everything from its first event, then live events
 * until the job ends. Replay and live follow are one ordered consumer, so nothing falls in a gap.
 *
 * All watchers of a job share that one consumer (fanned out here, each watcher a position in the
 * job's kept events): a thousand watch streams cost nats-server one consumer, not a thousand,
 * whose creation and deletion would hold up the stream that every service publishes to.
 */
export class JobEventFeed {
  private readonly channels = new Map<string, JobChannel>();

  constructor(
    private readonly js: JetStreamClient,
    private readonly results: ResultReader,
  ) {}

  /** `signal` aborts when the client goes away or its token stops working. */
  async *follow(jobId: string, isOver: () => Promise<boolean>, signal: AbortSignal): AsyncGenerator<pb.JobEvent> {
    const channel = this.join(jobId, isOver);
    try {
      await channel.ready;
      for await (const event of channel.fanOut.read(signal)) yield event;
    } catch (error) {
      if (error instanceof FellBehindError) {
        throw new GatewayError(ErrorCodes.resourceExhausted, `this watch read the job's events too slowly and ${error.message}; watch again`);
      }
      throw error;
    } finally {
      channel.isOver.splice(channel.isOver.indexOf(isOver), 1);
      // The last watcher gone: the consumer goes too (a new watcher opens another).
      if (channel.isOver.length === 0) channel.fanOut.end();
    }
  }

  /**
   * The job's channel with this watcher counted in it, at once (no await before), so that a
   * watcher leaving meanwhile never ends a channel another is joining.
   */
  private join(jobId: string, isOver: () => Promise<boolean>): JobChannel {
    const existing = this.channels.get(jobId);
    if (existing && !existing.fanOut.ended && existing.fanOut.replaysAll) {
      existing.isOver.push(isOver);
      return existing;
    }
    const fanOut = new EventFanOut<pb.JobEvent>(MAX_KEPT_EVENTS);
    const channel: JobChannel = { fanOut, isOver: [isOver], ready: Promise.resolve() };
    this.channels.set(jobId, channel);
    const forget = () => {
      if (this.channels.get(jobId) === channel) this.channels.delete(jobId);
    };
    channel.ready = (async () => {
      try {
        const consumer = await this.js.consumers.get(Nats.eventsStream, { filter_subjects: jobEventsFilter(jobId), deliver_policy: DeliverPolicy.All });
        const messages = await consumer.consume({ max_messages: 256, expires: PULL_EXPIRES_MS });
        void this.pump(jobId, channel, consumed(messages), () => messages.stop()).finally(forget);
      } catch (error) {
        if (isTransientNatsError(error)) {
          // No consumer could be made: nats-server 2.9 goes on placing new consumers on a lost
          // server of a cluster for a minute or more. The job's events are read one by one from
          // the stream's leader instead, which answers as soon as the stream has one.
          let stopped = false;
          void this.pump(jobId, channel, this.polled(jobId, () => stopped), () => (stopped = true)).finally(forget);
          return;
        }
        fanOut.end(error as Error);
        forget();
        throw error;
      }
    })();
    return channel;
  }

  /** The job's events from the first, asked of the stream one at a time, until `stopped`. */
  private async *polled(jobId: string, stopped: () => boolean): AsyncGenerator<StoredEvent> {
    let seq = 0;
    while (!stopped()) {
      const msg = await this.eventAfter(jobId, seq).catch((error: unknown) => {
        if (isTransientNatsError(error)) return null;
        throw error;
      });
      if (!msg) {
        await new Promise((r) => setTimeout(r, POLL_MS));
        continue;
      }
      seq = msg.seq;
      yield { seq: msg.seq, envelope: msg.json<JobEventEnvelope>() };
    }
  }

  /** The job's first event after stream sequence `seq`, or null when there is none yet. */
  private async eventAfter(jobId: string, seq: number) {
    const jsm = await this.js.jetstreamManager(false);
    // nats-server 2.9's `next_by_subj`: the first message from `seq` on whose subject matches;
    // the client's types list it only for direct gets, and its stream API passes it on as is.
    const next = { seq: seq + 1, next_by_subj: jobEventsFilter(jobId) } as MsgRequest;
    return jsm.streams.getMessage(Nats.eventsStream, next);
  }

  private async hasEventAfter(jobId: string, seq: number): Promise<boolean> {
    return (await this.eventAfter(jobId, seq)) !== null;
  }

  /** Reads the job's events into the fan-out until the job ends or no one watches any more. */
  private async pump(jobId: string, channel: JobChannel, events: AsyncIterable<StoredEvent>, stop: () => void): Promise<void> {
    const { fanOut } = channel;
    let lastMessageAt = Date.now();
    let lastSeq = 0;
    // A job over whose stream holds nothing after the last event read: its final event will not
    // come. One that still holds some is being read late (a pull lost with a NATS server), and
    // ending now would cut the watch short of them.
    const quiet = setInterval(() => {
      if (Date.now() - lastMessageAt < QUIET_CHECK_MS || channel.isOver.length === 0) return;
      void channel.isOver[0]()
        .then(async (over) => over && !(await this.hasEventAfter(jobId, lastSeq)) && fanOut.end())
        .catch(() => undefined);
    }, QUIET_CHECK_MS);
    // Ending the fan-out (last watcher gone, job over) stops the reading.
    void fanOut.whenEnded.then(stop);
    try {
      for await (const { seq, envelope } of events) {
        if (fanOut.ended) break;
        lastMessageAt = Date.now();
        lastSeq = seq;
        const body = envelope.body;
        const resolved = body.type === 'result' && body.result === undefined ? await this.readResult(body.resultRef) : undefined;
        const event = jobEventToProto(envelope, seq, resolved);
        if (event) fanOut.append(event);
        if (body.type === 'state' && isTerminalState(body.state)) break;
      }
      fanOut.end();
    } catch (error) {
      fanOut.end(error as Error);
    } finally {
      clearInterval(quiet);
      stop();
    }
  }

  /** A result too large to ride in its event; one deleted since (`gpulab outputs rm`) is replayed without it. */
  private async readResult(name: string): Promise<unknown> {
    try {
      return await this.results.read(name);
    } catch (error) {
      if (error instanceof GatewayError && error.code === ErrorCodes.notFound) return undefined;
      throw error;
    }
  }
}

/** A consumer's messages as events with their stream sequence. */
async function* consumed(messages: ConsumerMessages): AsyncGenerator<StoredEvent> {
  for await (const msg of messages) yield { seq: msg.seq, envelope: msg.json<JobEventEnvelope>() };
}

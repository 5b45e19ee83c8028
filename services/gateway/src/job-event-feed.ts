import { type JobEventEnvelope, jobEventsFilter, jobEventToProto, isTerminalState, Nats, type pb } from '@gpulab/contracts';
import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';
import { type ResultReader } from './result-reader';

/** How often a quiet watch asks whether the job ended without a final event reaching it. */
const QUIET_CHECK_MS = 3000;

/**
 * A job's history from the events stream: everything from its first event, then live events
 * until the job ends. Replay and live follow are one ordered consumer, so nothing falls in a gap.
 */
export class JobEventFeed {
  constructor(
    private readonly js: JetStreamClient,
    private readonly results: ResultReader,
  ) {}

  /** `signal` aborts when the client goes away or its token stops working. */
  async *follow(jobId: string, isOver: () => Promise<boolean>, signal: AbortSignal): AsyncGenerator<pb.JobEvent> {
    const consumer = await this.js.consumers.get(Nats.eventsStream, {
      filter_subjects: jobEventsFilter(jobId),
      deliver_policy: DeliverPolicy.All,
    });
    const messages = await consumer.consume({ max_messages: 256 });
    let lastMessageAt = Date.now();
    const quiet = setInterval(() => {
      if (Date.now() - lastMessageAt < QUIET_CHECK_MS) return;
      void isOver().then(
        (over) => over && messages.stop(),
        () => undefined,
      );
    }, QUIET_CHECK_MS);
    const stop = () => messages.stop();
    signal.addEventListener('abort', stop, { once: true });
    try {
      for await (const msg of messages) {
        lastMessageAt = Date.now();
        const envelope = msg.json<JobEventEnvelope>();
        const body = envelope.body;
        const resolved = body.type === 'result' && body.result === undefined ? await this.results.read(body.resultRef) : undefined;
        const event = jobEventToProto(envelope, msg.seq, resolved);
        if (event) yield event;
        if (body.type === 'state' && isTerminalState(body.state)) break;
        if (signal.aborted) break;
      }
    } finally {
      clearInterval(quiet);
      signal.removeEventListener('abort', stop);
      messages.stop();
    }
  }
}

import { type Caller, type Notice, noticeSubject, Nats, TUTOR_NOTICES } from '@gpulab/contracts';
import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';

/** Reads a team's (or the tutors') notices from their stream. Notices are rare: all are read. */
export class NoticeReader {
  constructor(private readonly js: JetStreamClient) {}

  async latest(caller: Caller, limit: number): Promise<Notice[]> {
    const audience = caller.role === 'tutor' ? TUTOR_NOTICES : (caller.team ?? '');
    const consumer = await this.js.consumers.get(Nats.noticesStream, { filter_subjects: noticeSubject(audience), deliver_policy: DeliverPolicy.All });
    const pending = (await consumer.info()).num_pending;
    if (pending === 0) return [];
    const notices: Notice[] = [];
    const messages = await consumer.fetch({ max_messages: pending, expires: 2000 });
    for await (const msg of messages) {
      notices.push(msg.json<Notice>());
      if (notices.length >= pending) break;
    }
    return notices.reverse().slice(0, limit);
  }
}

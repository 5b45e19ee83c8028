import { type Notice, noticeSubject, Nats } from '@gpulab/contracts';
import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';

/** The latest notices for an audience (a team, or the tutors), newest first. Notices are rare: all are read. */
export async function readNotices(js: JetStreamClient, audience: string, limit: number): Promise<Notice[]> {
  const consumer = await js.consumers.get(Nats.noticesStream, { filter_subjects: noticeSubject(audience), deliver_policy: DeliverPolicy.All });
  const pending = (await consumer.info()).num_pending;
  if (pending === 0) return [];
  const notices: Notice[] = [];
  for await (const msg of await consumer.fetch({ max_messages: pending, expires: 2000 })) {
    notices.push(msg.json<Notice>());
    if (notices.length >= pending) break;
  }
  return notices.reverse().slice(0, limit);
}

import { type Caller, isTutor, type Notice, TUTOR_NOTICES } from '@gpulab/contracts';
import { readNotices } from '@gpulab/platform';
import { type JetStreamClient } from '@nats-io/jetstream';

/** A caller's notices: their team's, or the tutors'. */
export class NoticeReader {
  constructor(private readonly js: JetStreamClient) {}

  latest(caller: Caller, limit: number): Promise<Notice[]> {
    return readNotices(this.js, isTutor(caller) ? TUTOR_NOTICES : (caller.team ?? ''), limit);
  }
}

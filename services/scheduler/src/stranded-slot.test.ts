import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type Caller, type FeasibilityView, type InventoryReply, type Notice, SchedulerSubjects, type SlotView, TUTOR_NOTICES } from '@gpulab/contracts';
import { openJetStreamResources, readNotices } from '@gpulab/platform';
import { ReportingLauncher } from './testing/reporting-launcher';
import { type SchedulerApp, startSchedulerApp } from './testing/scheduler-app';

const tutor: Caller = { role: 'tutor', name: 'tutor' };

describe('a GPU breaks under a slot that has nowhere to go', () => {
  let scheduler: SchedulerApp;
  const request = <T>(subject: string, body: unknown): Promise<T> => scheduler.request<T>(subject, body);

  async function notices(audience: string): Promise<Notice[]> {
    return readNotices((await openJetStreamResources(scheduler.nc)).js, audience, 50);
  }

  before(async () => {
    scheduler = await startSchedulerApp({
      name: 'stranded',
      tokens: { tutor: 'x', teams: { a: 'a', b: 'b', c: 'c', d: 'd' } },
      options: { termStart: '2026-12-01', timeZone: 'UTC', logLevel: 'warn' },
      clock: { now: () => new Date('2026-12-01T08:00:00Z') },
      launcher: ({ js }) => new ReportingLauncher(js, 5),
    });
  });

  after(() => scheduler?.close());

  it('keeps the slot, tells its team and the tutors, and lists it in the feasibility report', async () => {
    // All four GPU pairs are booked on the same days: no pair is free to move to.
    for (const [team, server] of [['a', 's1'], ['b', 's1'], ['c', 's2'], ['d', 's3']]) {
      await request<SlotView>(SchedulerSubjects.book, { caller: tutor, team, kind: 'experiment', startDate: '2026-12-03', server });
    }
    const reply = await request<InventoryReply>(SchedulerSubjects.inventory, { caller: tutor, change: { type: 'gpu', server: 's2', index: 0, broken: true } });
    assert.deepEqual(reply.moved, []);
    assert.deepEqual(reply.stranded.map((s) => s.team), ['c']);
    const forTutors = await notices(TUTOR_NOTICES);
    assert.match(forTutors[0].message, /slot .* of team c from 2026-12-03 00:00 UTC is on s2 GPUs 0,1, which include a broken GPU.*move or cancel it/);
    assert.match((await notices('c'))[0].message, /the tutors are told/);
    const report = await request<FeasibilityView>(SchedulerSubjects.feasibility, { caller: tutor });
    assert.deepEqual(report.stranded.map((s) => s.team), ['c']);
  });
});

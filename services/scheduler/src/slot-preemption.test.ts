import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type INestApplicationContext } from '@nestjs/common';
import { type Caller, type JobReply, SchedulerSubjects, type SlotView } from '@gpulab/contracts';
import { SchedulerService } from './scheduler.service';
import { ManualClock } from './testing/manual-clock';
import { type SchedulerApp, startSchedulerApp } from './testing/scheduler-app';


const alpha: Caller = { role: 'member', team: 'alpha', name: 'alpha' };

describe('slot end: stop notice, grace period, PREEMPTED, queued for the next slot', () => {
  let scheduler: SchedulerApp;
  let app: INestApplicationContext;
  const clock = new ManualClock(Date.parse('2026-12-01T10:00:00Z'));

  const request = <T>(subject: string, body: unknown): Promise<T> => scheduler.request<T>(subject, body);
  const job = async (id: string) => (await request<JobReply>(SchedulerSubjects.get, { caller: alpha, jobId: id })).job;
  async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < 200; i++) {
      const v = await probe();
      if (v !== undefined) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  before(async () => {
    scheduler = await startSchedulerApp({
      name: 'preempt',
      tokens: { tutor: 't', teams: { alpha: 'a' } },
      options: { gpuLayout: '2', termStart: '2026-12-01', timeZone: 'UTC', workerEntry: join(__dirname, 'testing', 'slow-worker.js'), preemptGrace: '3s', exitSettle: '100ms', logLevel: 'warn' },
      clock,
    });
    ({ app } = scheduler);
  });

  after(() => scheduler?.close());

  it('stops the job when its slot ends and restarts it in the team’s next slot', async () => {
    await request<SlotView>(SchedulerSubjects.book, { caller: alpha, kind: 'setup', startDate: '2026-12-01' });
    const next = await request<SlotView>(SchedulerSubjects.book, { caller: alpha, kind: 'experiment', startDate: '2026-12-03' });
    const { job: submitted } = await request<JobReply>(SchedulerSubjects.submit, {
      caller: alpha,
      jobId: 'j-preempt',
      kind: 'pca',
      params: {},
      input: { source: 'none' },
      gpus: 2,
      priority: false,
      preemptible: false,
    });
    await until('RUNNING', async () => ((await job(submitted.id)).state === 'RUNNING' ? true : undefined));

    clock.set('2026-12-02T00:00:01Z');
    await app.get(SchedulerService).wake();
    const requeued = await until('requeued', async () => {
      const j = await job(submitted.id);
      return j.state === 'QUEUED' && j.attempt === 1 ? j : undefined;
    });
    assert.match(requeued.reason ?? '', /the team's slot has ended; queued again/);
    assert.equal(requeued.waiting?.message, `waiting for your experiment slot that starts 2026-12-03 00:00 UTC on s1 GPUs ${next.gpus.join(',')}`);

    clock.set('2026-12-03T00:00:01Z');
    await app.get(SchedulerService).wake();
    const resumed = await until('RUNNING again', async () => {
      const j = await job(submitted.id);
      return j.state === 'RUNNING' ? j : undefined;
    });
    assert.equal(resumed.attempt, 2);
    await request<JobReply>(SchedulerSubjects.cancel, { caller: alpha, jobId: submitted.id });
  });
});

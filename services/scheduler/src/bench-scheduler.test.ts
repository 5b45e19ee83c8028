import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type INestApplicationContext } from '@nestjs/common';
import { type BenchScheduleView, type Caller, JobStates, type Reply, SchedulerSubjects, type SlotView } from '@gpulab/contracts';
import { BenchScheduleStore } from './bench-schedule-store';
import { BenchScheduler, firingJobId } from './bench-scheduler';
import { JobStore } from './job-store';
import { SchedulerService } from './scheduler.service';
import { ReportingLauncher } from './testing/reporting-launcher';
import { type SchedulerApp, startSchedulerApp } from './testing/scheduler-app';

const tutor: Caller = { role: 'tutor', name: 'ada' };
const alpha: Caller = { role: 'member', team: 'alpha', name: 'alpha' };
const silent = { info: () => undefined, error: () => undefined };

/** What the gateway sends for `gpulab bench schedule add`: one job's parameters per batch size. */
const addCommand = (cron: string, batchSizes = [1, 32]) => ({
  caller: tutor,
  cron,
  model: 'course-cnn',
  backends: ['cpu'],
  batchSizes,
  images: 8,
  inputSize: 32,
  jobParams: batchSizes.map((batchSize) => ({ model: 'course-cnn', images: 8, batchSize, inputSize: 32, backends: 'cpu', seed: 0 })),
});

describe('benchmark schedules in the scheduler, on an injected clock', () => {
  let scheduler: SchedulerApp;
  let app: INestApplicationContext;
  let nowMs = Date.parse('2026-12-02T12:00:00Z');
  const clock = { now: () => new Date(nowMs) };

  const request = <T>(subject: string, body: unknown): Promise<T> => scheduler.request<T>(subject, body);
  const send = <T>(subject: string, body: unknown): Promise<Reply<T>> => scheduler.send<T>(subject, body);
  const schedules = () => request<BenchScheduleView[]>(SchedulerSubjects.benchSchedules, { caller: tutor });
  const scheduleOf = async (id: string) => (await schedules()).find((s) => s.id === id) as BenchScheduleView;
  const job = (id: string) => app.get(JobStore).get(id);
  const at = async (iso: string) => {
    nowMs = Date.parse(iso);
    await app.get(BenchScheduler).check();
  };

  before(async () => {
    scheduler = await startSchedulerApp({
      name: 'bench-schedule',
      tokens: { tutor: 't', teams: { alpha: 'a' } },
      // One pair: a booked slot leaves benchmarks no GPU.
      options: { gpuLayout: '2', termStart: '2026-12-01', timeZone: 'Europe/Berlin', logLevel: 'warn' },
      clock,
      launcher: ({ js }) => new ReportingLauncher(js, 5, () => nowMs),
    });
    ({ app } = scheduler);
  });

  after(() => scheduler?.close());

  it('fires at 03:00 of the term’s zone, once, one tutor benchmark job per batch size on GPUs no slot holds', async () => {
    const added = await request<BenchScheduleView>(SchedulerSubjects.addBenchSchedule, addCommand('0 3 * * *'));
    assert.equal(added.timeZone, 'Europe/Berlin');
    assert.equal(added.nextFiring, '2026-12-03T02:00:00.000Z');
    await at('2026-12-03T01:59:59Z');
    assert.deepEqual((await scheduleOf(added.id)).firings, []);
    await at('2026-12-03T02:00:00Z');
    const ids = [firingJobId(added.id, Date.parse('2026-12-03T02:00:00Z'), 1), firingJobId(added.id, Date.parse('2026-12-03T02:00:00Z'), 32)];
    for (const id of ids) {
      assert.equal(job(id)?.kind, 'benchmark');
      assert.equal(job(id)?.role, 'tutor');
    }
    assert.deepEqual(ids.map((id) => job(id)?.params.batchSize), [1, 32]);
    await at('2026-12-03T02:10:00Z');
    const after = await scheduleOf(added.id);
    assert.equal(after.firings.length, 1, 'a second check in the period fires nothing');
    assert.deepEqual(after.firings[0].jobIds, ids);
    assert.equal(after.firings[0].outcome, 'started');
    assert.equal(after.nextFiring, '2026-12-04T02:00:00.000Z');
    await request(SchedulerSubjects.removeBenchSchedule, { caller: tutor, scheduleId: added.id });
  });

  it('neither loses nor repeats a firing across a restart, and of two schedulers checking at once only one fires', async () => {
    const added = await request<BenchScheduleView>(SchedulerSubjects.addBenchSchedule, addCommand('30 4 * * *', [4]));
    await app.get(BenchScheduler).check();
    // Down over 04:30: the schedulers that start afterwards read the record back from KV.
    nowMs = Date.parse('2026-12-04T03:40:00Z');
    const restarted = () =>
      new BenchScheduler({
        log: silent,
        clock,
        store: new BenchScheduleStore(scheduler.resources.jobs),
        jobs: { submit: (c) => app.get(SchedulerService).submit(c), cancel: (c) => app.get(SchedulerService).cancel(c), job: (id) => job(id) },
        timeZone: () => 'Europe/Berlin',
      });
    const [first, second] = [restarted(), restarted()];
    await Promise.all([first.start(), second.start()]);
    await app.get(BenchScheduler).check();
    first.close();
    second.close();
    const { firings } = await scheduleOf(added.id);
    assert.deepEqual(
      firings.map((f) => [f.at, f.outcome]),
      [
        ['2026-12-03T03:30:00.000Z', 'skipped'],
        ['2026-12-04T03:30:00.000Z', 'started'],
      ],
    );
    assert.match(firings[0].reason ?? '', /^the scheduler was not running at 2026-12-03 04:30 GMT\+1/);
    await request(SchedulerSubjects.removeBenchSchedule, { caller: tutor, scheduleId: added.id });
  });

  it('submits the jobs of a firing recorded by a scheduler that stopped before it could submit them', async () => {
    const added = await request<BenchScheduleView>(SchedulerSubjects.addBenchSchedule, addCommand('0 5 * * *', [16]));
    // The check an add starts ends before the clock moves: this scheduler is the one that stops.
    await app.get(BenchScheduler).check();
    nowMs = Date.parse('2026-12-04T04:00:00Z');
    const cutShort = new BenchScheduler({
      log: silent,
      clock,
      store: new BenchScheduleStore(scheduler.resources.jobs),
      jobs: { submit: () => Promise.reject(new Error('stopped')), cancel: (c) => app.get(SchedulerService).cancel(c), job: (id) => job(id) },
      timeZone: () => 'Europe/Berlin',
    });
    await cutShort.start();
    cutShort.close();
    const jobId = firingJobId(added.id, Date.parse('2026-12-04T04:00:00Z'), 16);
    assert.equal(job(jobId), undefined);
    assert.deepEqual((await scheduleOf(added.id)).firings.map((f) => f.jobIds), [[jobId]]);
    await app.get(BenchScheduler).check();
    assert.equal(job(jobId)?.kind, 'benchmark');
    await request(SchedulerSubjects.removeBenchSchedule, { caller: tutor, scheduleId: added.id });
  });

  it('skips a firing whose job finds no GPU free of slots within the period, cancelling it', async () => {
    const added = await request<BenchScheduleView>(SchedulerSubjects.addBenchSchedule, addCommand('0 6 * * *', [8]));
    await request<SlotView>(SchedulerSubjects.book, { caller: alpha, kind: 'setup', startDate: '2026-12-05' });
    await at('2026-12-05T05:00:00Z');
    const jobId = firingJobId(added.id, Date.parse('2026-12-05T05:00:00Z'), 8);
    assert.equal(job(jobId)?.state, JobStates.queued);
    await at('2026-12-06T05:00:00Z');
    const { firings } = await scheduleOf(added.id);
    const skipped = firings.find((f) => f.at === '2026-12-05T05:00:00.000Z');
    assert.equal(skipped?.outcome, 'skipped');
    assert.equal(skipped?.reason, 'no GPU free of slots between 2026-12-05 06:00 GMT+1 and 2026-12-06 06:00 GMT+1');
    assert.equal(job(jobId)?.state, JobStates.cancelled);
    await request(SchedulerSubjects.removeBenchSchedule, { caller: tutor, scheduleId: added.id });
  });

  it('does not fire while paused, and once resumed fires from then on, not the firings it slept through', async () => {
    const added = await request<BenchScheduleView>(SchedulerSubjects.addBenchSchedule, addCommand('0 9 * * *', [2]));
    const paused = await request<BenchScheduleView>(SchedulerSubjects.pauseBenchSchedule, { caller: tutor, scheduleId: added.id, paused: true });
    assert.equal(paused.paused, true);
    assert.equal(paused.nextFiring, undefined);
    await at('2026-12-08T10:00:00Z');
    assert.deepEqual((await scheduleOf(added.id)).firings, []);
    await request(SchedulerSubjects.pauseBenchSchedule, { caller: tutor, scheduleId: added.id, paused: false });
    await at('2026-12-08T12:00:00Z');
    assert.deepEqual((await scheduleOf(added.id)).firings, []);
    await at('2026-12-09T08:00:00Z');
    assert.deepEqual((await scheduleOf(added.id)).firings.map((f) => f.at), ['2026-12-09T08:00:00.000Z']);
    await request(SchedulerSubjects.removeBenchSchedule, { caller: tutor, scheduleId: added.id });
  });

  it('refuses a member with PERMISSION_DENIED, a bad cron with INVALID_ARGUMENT naming the field, an unknown id with NOT_FOUND', async () => {
    const member = await send(SchedulerSubjects.addBenchSchedule, { ...addCommand('0 3 * * *'), caller: alpha });
    assert.ok(!member.ok && member.error.code === 'PERMISSION_DENIED');
    const listed = await send(SchedulerSubjects.benchSchedules, { caller: alpha });
    assert.ok(!listed.ok && listed.error.code === 'PERMISSION_DENIED');
    const bad = await send(SchedulerSubjects.addBenchSchedule, addCommand('0 25 * * *'));
    assert.ok(!bad.ok);
    assert.equal(bad.error.code, 'INVALID_ARGUMENT');
    assert.equal(bad.error.message, "cron: the hour field '25' is out of range");
    assert.equal(bad.error.metadata?.field, 'cron');
    const unknown = await send(SchedulerSubjects.removeBenchSchedule, { caller: tutor, scheduleId: 'bs-nothing' });
    assert.ok(!unknown.ok && unknown.error.code === 'NOT_FOUND');
  });
});

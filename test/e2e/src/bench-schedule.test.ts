import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type BenchScheduleView, type Caller, type JobReply, SchedulerSubjects } from '@gpulab/contracts';
import { type LocalStack } from '@gpulab/local-stack';
import { readBenchmarkRows } from '@gpulab/platform';
import { BenchScheduler } from '@gpulab/scheduler';
import { type SchedulerApp, startSchedulerApp } from '@gpulab/scheduler/testing';
import { runCliInProcess } from './cli-runner';
import { startCourseStack } from './course-stack';
import { tempDir } from './temp-dir';
import { eventually } from './worker-processes';

const TOKENS = { tutor: 'tutor-token', teams: { demo: 'demo-token' } };

interface ListedSchedule {
  id: string;
  paused: boolean;
  nextFiring: string;
  lastFiring?: { at: string; outcome: string; jobIds: string[] };
}

/**
 * The local stack's processes run on the real clock, so its schedule names seconds (croner's
 * sixth field, first): it fires every 10 s, and its period is 10 s. On a driven clock below, the
 * scheduler runs in this process; the daylight-saving days and restarts are pinned under an
 * injected clock in the scheduler's and the scheduling core's tests.
 */
const EVERY_10_S = '*/10 * * * * *';

describe('benchmark schedules through the CLI', () => {
  const dir = tempDir('e2e-bench-schedule');
  let stack: LocalStack;
  let tutor: NodeJS.ProcessEnv;
  let member: NodeJS.ProcessEnv;

  const cli = async (args: string[], env = tutor) => runCliInProcess(args, env);
  const schedules = async (): Promise<ListedSchedule[]> => {
    const run = await cli(['bench', 'schedule', 'list', '--json']);
    assert.equal(run.code, 0, run.stderr);
    return (JSON.parse(run.stdout) as { schedules: ListedSchedule[] }).schedules;
  };

  before(async () => {
    // No slots booked: every GPU is free of slots, so a benchmark may start at once.
    stack = await startCourseStack(dir.path, TOKENS, { booked: [] });
    tutor = { GPULAB_ADDR: stack.address, GPULAB_TOKEN: TOKENS.tutor };
    member = { GPULAB_ADDR: stack.address, GPULAB_TOKEN: TOKENS.teams.demo };
  });

  after(async () => {
    await stack?.close();
    dir.remove();
  });

  it("fires a tutor's schedule: its tiny course CNN benchmark runs and lands in the history; paused, it fires no more", async () => {
    const add = await cli(['bench', 'schedule', 'add', '--cron', EVERY_10_S, '--model', 'course-cnn', '--backends', 'cpu', '--batch-sizes', '4', '--images', '8', '--input-size', '32', '--json']);
    assert.equal(add.code, 0, add.stderr);
    const { id } = JSON.parse(add.stdout) as ListedSchedule;
    const fired = await eventually(
      'a firing whose job started',
      async () => (await schedules()).find((s) => s.id === id && s.lastFiring?.outcome === 'started')?.lastFiring,
      40_000,
    );
    assert.equal(fired.jobIds.length, 1);
    const [jobId] = fired.jobIds;
    const rows = await eventually(
      "the firing's job's row in the history",
      async () => {
        const run = await cli(['bench', 'history', '--model', 'course-cnn', '--backend', 'cpu', '--json']);
        const found = (JSON.parse(run.stdout) as { rows: { jobId: string; batchSize: number; inputSize: number }[] }).rows.filter((row) => row.jobId === jobId);
        return found.length > 0 ? found : undefined;
      },
      60_000,
    );
    assert.deepEqual(rows.map((row) => [row.batchSize, row.inputSize]), [[4, 32]]);

    const paused = await cli(['bench', 'schedule', 'pause', id]);
    assert.equal(paused.code, 0, paused.stderr);
    assert.match(paused.stdout, new RegExp(`^paused benchmark schedule ${id}: course-cnn on cpu, batch size 4`));
    const lastBefore = (await schedules()).find((s) => s.id === id)?.lastFiring?.at;
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    const after = (await schedules()).find((s) => s.id === id);
    assert.equal(after?.paused, true);
    assert.equal(after?.nextFiring, '');
    assert.equal(after?.lastFiring?.at, lastBefore, 'no firing while paused');
    const text = await cli(['bench', 'schedule', 'list']);
    assert.match(text.stdout, new RegExp(`^${id}\\s+\\*/10 \\* \\* \\* \\* \\*\\s+\\S+\\s+course-cnn\\s+cpu\\s+4\\s+yes\\s+-\\s`, 'm'));
    assert.equal((await cli(['bench', 'schedule', 'rm', id])).code, 0);
    assert.deepEqual((await schedules()).filter((s) => s.id === id), []);
  });

  it("refuses a member's schedule with PERMISSION_DENIED, a bad cron with INVALID_ARGUMENT naming the field, an unknown id with NOT_FOUND", async () => {
    const byMember = await cli(['bench', 'schedule', 'add', '--cron', '0 3 * * *', '--model', 'resnet50'], member);
    assert.equal(byMember.code, 2);
    assert.match(byMember.stderr, /PERMISSION_DENIED/);
    assert.match((await cli(['bench', 'schedule', 'list'], member)).stderr, /PERMISSION_DENIED/);
    const badCron = await cli(['bench', 'schedule', 'add', '--cron', '0 25 * * *', '--model', 'resnet50']);
    assert.equal(badCron.code, 2);
    assert.match(badCron.stderr, /INVALID_ARGUMENT/);
    assert.match(badCron.stderr, /cron: the hour field '25' is out of range/);
    const badModel = await cli(['bench', 'schedule', 'add', '--cron', '0 3 * * *', '--model', 'vgg16']);
    assert.match(badModel.stderr, /no benchmark model "vgg16"/);
    const unknown = await cli(['bench', 'schedule', 'rm', 'bs-nothing']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /NOT_FOUND/);
  });
});

describe("benchmark schedules on the scheduler's driven clock, with worker processes", () => {
  const tutorCaller: Caller = { role: 'tutor', name: 'ada' };
  let scheduler: SchedulerApp;
  let nowMs = Date.parse('2026-12-02T12:00:00Z');

  const request = <T>(subject: string, body: unknown): Promise<T> => scheduler.request<T>(subject, body);
  const schedule = async (id: string) => (await request<BenchScheduleView[]>(SchedulerSubjects.benchSchedules, { caller: tutorCaller })).find((s) => s.id === id);
  /** Moves the scheduler's clock and lets its schedules see the new time. */
  const at = async (iso: string) => {
    nowMs = Date.parse(iso);
    await scheduler.app.get(BenchScheduler).check();
  };

  before(async () => {
    scheduler = await startSchedulerApp({
      name: 'e2e-bench-clock',
      tokens: TOKENS,
      options: { termStart: '2026-12-01', timeZone: 'Europe/Berlin', logLevel: 'warn' },
      clock: { now: () => new Date(nowMs) },
    });
  });

  after(() => scheduler?.close());

  it('fires at 03:00 Berlin time: the course CNN benchmark runs in a worker and lands in the history; paused, the next 03:00 fires nothing', async () => {
    const added = await request<BenchScheduleView>(SchedulerSubjects.addBenchSchedule, {
      caller: tutorCaller,
      cron: '0 3 * * *',
      model: 'course-cnn',
      backends: ['cpu'],
      batchSizes: [4],
      images: 8,
      inputSize: 32,
      jobParams: [{ model: 'course-cnn', images: 8, batchSize: 4, inputSize: 32, backends: 'cpu', seed: 0 }],
    });
    await at('2026-12-03T01:59:00Z');
    assert.deepEqual((await schedule(added.id))?.firings, []);
    // The clock stays at the firing while the job runs: its worker's heartbeats are heard at this time.
    await at('2026-12-03T02:00:00Z');
    const [jobId] = (await schedule(added.id))?.firings[0]?.jobIds ?? [];
    assert.ok(jobId, 'the firing submitted a job');
    const done = await eventually(
      'the benchmark job to end',
      async () => {
        const { job } = await request<JobReply>(SchedulerSubjects.get, { caller: tutorCaller, jobId });
        return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(job.state) ? job : undefined;
      },
      90_000,
    );
    assert.equal(done.state, 'SUCCEEDED', done.reason);
    assert.equal(done.role, 'tutor');
    const rows = await eventually('its row in the history', async () => {
      const found = (await readBenchmarkRows(scheduler.resources.jobs)).filter((row) => row.jobId === jobId);
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(rows.map((row) => [row.model, row.backend, row.batchSize, row.inputSize]), [['course-cnn', 'cpu', 4, 32]]);
    assert.equal((await schedule(added.id))?.firings[0]?.outcome, 'started');

    await request(SchedulerSubjects.pauseBenchSchedule, { caller: tutorCaller, scheduleId: added.id, paused: true });
    await at('2026-12-04T02:30:00Z');
    assert.equal((await schedule(added.id))?.firings.length, 1, 'no firing while paused');
    const refused = await scheduler.send<BenchScheduleView>(SchedulerSubjects.pauseBenchSchedule, { caller: { role: 'member', team: 'demo', name: 'demo' }, scheduleId: added.id, paused: false });
    assert.ok(!refused.ok && refused.error.code === 'PERMISSION_DENIED');
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type INestApplicationContext } from '@nestjs/common';
import { type Caller, type JobReply, SchedulerSubjects, type SubmitCommand } from '@gpulab/contracts';
import { SchedulerMetrics } from './scheduler-metrics';
import { type Launcher } from './launcher';
import { type SchedulerApp, startSchedulerApp } from './testing/scheduler-app';

/** Workers that start and never report: a placed job holds its GPU while the test scrapes. */
class SilentLauncher implements Launcher {
  launch(): Promise<{ handle: string }> {
    return Promise.resolve({ handle: 'silent' });
  }
  adopt(): boolean {
    return false;
  }
  stop(): void {}
  onExit(): void {}
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const tutor: Caller = { role: 'tutor', name: 'tutor' };
const alpha: Caller = { role: 'member', team: 'alpha', name: 'alpha' };
const NOW = new Date('2026-12-01T08:00:00Z');

/** The value of one series in Prometheus' text format, e.g. `gpulab_jobs{state="QUEUED",team="alpha"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('the scheduler’s metrics, from its real stores', () => {
  let scheduler: SchedulerApp;
  let app: INestApplicationContext;

  async function submit(caller: Caller, jobId: string): Promise<JobReply> {
    const command: SubmitCommand = { caller, jobId, kind: 'pca', params: {}, input: { source: 'dataset', name: 'seed-example' }, gpus: 1, priority: false, preemptible: false };
    return scheduler.request<JobReply>(SchedulerSubjects.submit, command);
  }

  before(async () => {
    scheduler = await startSchedulerApp({
      name: 'scheduler-metrics',
      tokens: { tutor: 'x', teams: { alpha: 'a' } },
      options: { gpuLayout: '2', termStart: '2026-12-01', timeZone: 'UTC', logLevel: 'warn', metricsPort: 0 },
      clock: { now: () => NOW },
      launcher: () => new SilentLauncher(),
    });
    ({ app } = scheduler);
  });

  after(() => scheduler?.close());

  it('reports jobs by state and team, submissions, placements and GPUs, served over HTTP', async () => {
    // Team alpha has no slot booked: its jobs wait. The tutor's job runs on an idle GPU.
    await submit(alpha, 'm-alpha-1');
    await submit(alpha, 'm-alpha-2');
    await submit(alpha, 'm-alpha-2'); // a retried submit is not a second submission
    await submit(tutor, 'm-tutor-1');
    const metrics = app.get(SchedulerMetrics);
    assert.ok(metrics.url, 'metricsPort 0 opened a port');
    const res = await fetch(metrics.url);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.equal(sample(text, 'gpulab_jobs{state="QUEUED",team="alpha"}'), 2);
    assert.equal(sample(text, 'gpulab_jobs{state="RUNNING",team="alpha"}'), 0);
    assert.equal(sample(text, 'gpulab_jobs{state="SCHEDULED",team="tutors"}'), 1);
    assert.equal(sample(text, 'gpulab_submissions_total{team="alpha"}'), 2);
    assert.equal(sample(text, 'gpulab_submissions_total{team="tutors"}'), 1);
    assert.equal(sample(text, 'gpulab_placements_total{backfill="false"}'), 1);
    assert.equal(sample(text, 'gpulab_queue_wait_seconds_count'), 1);
    assert.equal(sample(text, 'gpulab_gpus{server="s1",state="busy"}'), 1);
    assert.equal(sample(text, 'gpulab_gpus{server="s1",state="free"}'), 1);
    assert.equal(sample(text, 'gpulab_gpus{server="s1",state="broken"}'), 0);
    assert.equal(sample(text, 'gpulab_gpu_utilization{server="s1"}'), 0.5);
    assert.equal(sample(text, 'gpulab_scheduler_leading'), 1);
    for (const step of ['snapshot', 'plan', 'preempt', 'launch', 'waiting']) {
      assert.ok((sample(text, `gpulab_cycle_step_seconds_count{step="${step}"}`) ?? 0) >= 3, `cycles timed their ${step} step`);
    }
    assert.doesNotMatch(text, /m-alpha-1|m-tutor-1/, 'no series is labelled by job id');
  });

  it('reports no jobs or GPUs once it stepped down: a standby’s copy of the state is not the truth', async () => {
    const metrics = app.get(SchedulerMetrics);
    metrics.setLeading(false);
    try {
      const text = await metrics.registry.metrics();
      assert.equal(sample(text, 'gpulab_scheduler_leading'), 0);
      assert.doesNotMatch(text, /^gpulab_jobs\{/m);
      assert.doesNotMatch(text, /^gpulab_gpus\{/m);
      assert.equal(sample(text, 'gpulab_submissions_total{team="alpha"}'), 2, 'counters keep what happened');
    } finally {
      metrics.setLeading(true);
    }
  });
});

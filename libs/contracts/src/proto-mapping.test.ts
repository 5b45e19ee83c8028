import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as pb from './pb';
import { type JobRecord } from './job-record';
import { type BenchScheduleView } from './bench-schedules';
import { attemptOutcomeFromProto, benchScheduleToProto, jobEventToProto, jobRecordToProto, waitingFromProto } from './proto-mapping';
import { PROGRESS_LIMITS, type ResourceSample } from './events';

function aQueuedJob(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id: 'j-1',
    team: 'delta',
    submittedBy: 'ada',
    role: 'member',
    priority: false,
    preemptible: false,
    kind: 'pca',
    params: {},
    input: { source: 'none' },
    gpus: 1,
    state: 'QUEUED',
    attempt: 1,
    assignedGpus: [],
    createdAt: '2026-12-01T08:00:00.000Z',
    ...overrides,
  };
}

/** Through the wire, as a client receives it. */
function overTheWire(job: JobRecord): pb.Job {
  return pb.Job.decode(pb.Job.encode(jobRecordToProto(job)).finish());
}

describe('a job record as the gRPC Job', () => {
  it('carries the waiting code, sentence, start day and queue position, and the sentence as waiting_reason for older clients', () => {
    const waiting = { code: 'WAITING_FOR_SLOT', message: 'waiting for your experiment slot on s1 from 2026-12-03', fromDay: '2026-12-03', position: 4 };
    const job = overTheWire(aQueuedJob({ waiting }));
    assert.equal(job.waitingReason, waiting.message);
    assert.deepEqual(waitingFromProto(job.waiting), waiting);
  });

  it('leaves out a start day and position the scheduler does not know', () => {
    const job = overTheWire(aQueuedJob({ waiting: { code: 'NO_FREE_GPU', message: 'all GPUs are busy' } }));
    assert.deepEqual(waitingFromProto(job.waiting), { code: 'NO_FREE_GPU', message: 'all GPUs are busy' });
    assert.equal(waitingFromProto(overTheWire(aQueuedJob()).waiting), undefined);
  });

  it('carries every attempt with its worker, GPUs, times, outcome and reason, and the retry time', () => {
    const job = overTheWire(
      aQueuedJob({
        attempt: 2,
        notBefore: '2026-12-01T08:05:00.000Z',
        attempts: [
          { attempt: 1, worker: 'pid:41', gpus: [{ server: 's1', index: 0 }], from: '2026-12-01T08:01:00.000Z', to: '2026-12-01T08:02:00.000Z', outcome: 'retried', reason: 'the worker was lost' },
          { attempt: 2, gpus: [{ server: 's1', index: 1 }], from: '2026-12-01T08:03:00.000Z', outcome: 'running' },
        ],
      }),
    );
    assert.equal(job.notBefore?.toISOString(), '2026-12-01T08:05:00.000Z');
    assert.deepEqual(
      job.attempts.map((a) => ({ ...a, outcome: attemptOutcomeFromProto(a.outcome), from: a.from?.toISOString(), to: a.to?.toISOString() })),
      [
        { attempt: 1, worker: 'pid:41', gpus: [{ server: 's1', index: 0 }], from: '2026-12-01T08:01:00.000Z', to: '2026-12-01T08:02:00.000Z', outcome: 'retried', reason: 'the worker was lost' },
        { attempt: 2, worker: '', gpus: [{ server: 's1', index: 1 }], from: '2026-12-01T08:03:00.000Z', to: undefined, outcome: 'running', reason: '' },
      ],
    );
  });
});

describe('a run job\'s resource samples and metrics on the wire', () => {
  const aSample = (overrides: Partial<ResourceSample> = {}): ResourceSample => ({
    cpuPercent: 180.5,
    rssBytes: 1.2 * 2 ** 30,
    gpus: [{ index: 0, utilizationPercent: 87, memoryUsedBytes: 10.1 * 2 ** 30, memoryTotalBytes: 80 * 2 ** 30 }],
    at: '2026-12-01T08:00:05.000Z',
    ...overrides,
  });

  it('gives the job its latest sample and its peak, with the time each was sampled', () => {
    const proto = jobRecordToProto(aQueuedJob({ kind: 'run', state: 'RUNNING' }), undefined, { latest: aSample(), peak: aSample({ cpuPercent: 390 }) });
    const job = pb.Job.decode(pb.Job.encode(proto).finish());
    assert.equal(job.resources?.cpuPercent, 180.5);
    assert.equal(job.resources?.rssBytes, Math.round(1.2 * 2 ** 30));
    assert.deepEqual(job.resources?.gpus[0], { index: 0, utilizationPercent: 87, memoryUsedBytes: Math.round(10.1 * 2 ** 30), memoryTotalBytes: 80 * 2 ** 30 });
    assert.equal(job.resources?.sampledAt?.toISOString(), '2026-12-01T08:00:05.000Z');
    assert.equal(job.peakResources?.cpuPercent, 390);
  });

  it('bounds what a worker sent: GPUs past the limit, figures that are not finite non-negative numbers, a time that is no time', () => {
    const gpus = Array.from({ length: 100 }, (_, index) => ({ index, utilizationPercent: 250, memoryUsedBytes: -1, memoryTotalBytes: Number.NaN }));
    const proto = jobRecordToProto(aQueuedJob(), undefined, { latest: aSample({ gpus, cpuPercent: Number.POSITIVE_INFINITY, at: 'yesterday' }) });
    assert.equal(proto.resources?.gpus.length, PROGRESS_LIMITS.maxSampledGpus);
    assert.deepEqual(proto.resources?.gpus[3], { index: 3, utilizationPercent: 100, memoryUsedBytes: 0, memoryTotalBytes: 0 });
    assert.equal(proto.resources?.cpuPercent, 0);
    assert.equal(proto.resources?.sampledAt, undefined);
  });

  it('carries a progress event\'s metrics and sample, keeping at most the metrics the worker keeps, with short names', () => {
    const metrics: Record<string, number> = { loss: 0.31, ['x'.repeat(PROGRESS_LIMITS.maxMetricName + 1)]: 1 };
    for (let i = 0; i < 50; i++) metrics[`m${i}`] = i;
    const event = jobEventToProto({ jobId: 'j-1', attempt: 1, time: '2026-12-01T08:00:05.000Z', body: { type: 'progress', fraction: 0.5, message: 'epoch 2/4', metrics, resources: aSample() } }, 7);
    const wire = pb.JobEvent.decode(pb.JobEvent.encode(event!).finish());
    assert.equal(wire.progress?.metrics.loss, 0.31);
    assert.equal(Object.keys(wire.progress?.metrics ?? {}).length, PROGRESS_LIMITS.maxMetrics);
    assert.ok(Object.keys(wire.progress?.metrics ?? {}).every((name) => name.length <= PROGRESS_LIMITS.maxMetricName));
    assert.equal(wire.progress?.resources?.gpus.length, 1);
  });
});

describe('a benchmark schedule as the gRPC BenchSchedule', () => {
  const schedule: BenchScheduleView = {
    id: 'bs-abc',
    cron: '0 3 * * *',
    timeZone: 'Europe/Berlin',
    model: 'resnet50',
    backends: ['cpu'],
    batchSizes: [1, 32],
    jobParams: [{}, {}],
    paused: true,
    createdAt: '2026-12-01T10:00:00.000Z',
    createdBy: 'ada',
    since: '2026-12-02T02:00:00.000Z',
    firings: [
      { at: '2026-12-01T02:00:00.000Z', deadline: '2026-12-02T02:00:00.000Z', outcome: 'started', jobIds: ['j-1'] },
      { at: '2026-12-02T02:00:00.000Z', deadline: '2026-12-03T02:00:00.000Z', outcome: 'skipped', jobIds: ['j-2'], reason: 'no GPU free of slots' },
    ],
  };

  it('carries the latest firing only, the kind’s defaults as 0 and no next firing as empty', () => {
    const proto = benchScheduleToProto(schedule);
    assert.deepEqual(proto.lastFiring, { at: '2026-12-02T02:00:00.000Z', deadline: '2026-12-03T02:00:00.000Z', outcome: 'skipped', jobIds: ['j-2'], reason: 'no GPU free of slots' });
    assert.deepEqual([proto.images, proto.inputSize, proto.nextFiring], [0, 0, '']);
    assert.equal(benchScheduleToProto({ ...schedule, firings: [] }).lastFiring, undefined);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as pb from './pb';
import { type JobRecord } from './job-record';
import { type BenchScheduleView } from './bench-schedules';
import { attemptOutcomeFromProto, benchScheduleToProto, jobRecordToProto, waitingFromProto } from './proto-mapping';

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

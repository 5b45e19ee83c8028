import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type JobView } from '@gpulab/sdk';
import { describeJob, jobTable, shortTime, teamTable } from './format';

describe('the team listing', () => {
  it("shows a member's token expiry, or that it has expired, and nothing for tokens without one", () => {
    const text = teamTable(
      [
        { name: 'delta', members: ['ada', 'bo', 'cy'], roster: [{ name: 'ada', expiresAt: '' }, { name: 'bo', expiresAt: '2027-04-01T10:00:00.000Z' }, { name: 'cy', expiresAt: '2026-11-30T00:00:00.000Z' }], source: 'tutor' },
        { name: 'demo', members: ['demo'], roster: [], source: 'tokens-file' },
      ],
      new Date('2026-12-01T08:00:00Z'),
    );
    assert.deepEqual(
      text.split('\n').map((line) => line.split(/ {2,}/)),
      [
        ['TEAM', 'MEMBERS', 'FROM'],
        ['delta', 'ada, bo (expires 2027-04-01), cy (expired 2026-11-30)', 'tutor'],
        ['demo', 'demo', 'tokens-file'],
      ],
    );
  });

  it('writes a moment as minutes in UTC', () => {
    assert.equal(shortTime('2027-04-01T10:00:59.000Z'), '2027-04-01 10:00 UTC');
  });
});

function aJob(overrides: Partial<JobView> = {}): JobView {
  return {
    id: 'j-1',
    team: 'delta',
    kind: 'pca',
    state: 'QUEUED',
    params: {},
    gpus: 1,
    assignedGpus: [],
    attempt: 0,
    attempts: [],
    submittedBy: 'ada',
    createdAt: new Date('2026-12-01T08:00:00Z'),
    ...overrides,
  };
}

describe('a job as the CLI shows it', () => {
  it("names a queued job's waiting code, its sentence, its place in the queue and the day it can start", () => {
    const text = describeJob(aJob({ waiting: { code: 'WAITING_FOR_SLOT', message: 'waiting for your experiment slot on s1 from 2026-12-03', fromDay: '2026-12-03', position: 2 } }));
    assert.match(text, /^waiting {2}WAITING_FOR_SLOT: waiting for your experiment slot on s1 from 2026-12-03$/m);
    assert.match(text, /^queue {4}#2 in the team's queue, can start from 2026-12-03$/m);
  });

  it('lists every attempt with its worker, GPUs, times, outcome and reason', () => {
    const text = describeJob(
      aJob({
        state: 'RUNNING',
        attempt: 2,
        attempts: [
          { attempt: 1, worker: 'pid:41', gpus: [{ server: 's1', index: 0 }], from: new Date('2026-12-01T08:01:00Z'), to: new Date('2026-12-01T08:02:00Z'), outcome: 'retried', reason: 'worker lost' },
          { attempt: 2, gpus: [{ server: 's1', index: 1 }], from: new Date('2026-12-01T08:03:00Z'), outcome: 'running' },
        ],
      }),
    );
    const table = text.split('\n').slice(text.split('\n').indexOf('attempts') + 1).map((line) => line.trim().split(/ {2,}/));
    assert.deepEqual(table, [
      ['ATTEMPT', 'WORKER', 'GPUS', 'FROM', 'TO', 'OUTCOME', 'REASON'],
      ['1', 'pid:41', 's1 GPU 0', '2026-12-01 08:01:00', '2026-12-01 08:02:00', 'retried', 'worker lost'],
      ['2', '-', 's1 GPU 1', '2026-12-01 08:03:00', '-', 'running', '-'],
    ]);
  });

  it("gives queued jobs their waiting code as REASON, as squeue does, with their place in the team's queue", () => {
    const text = jobTable([aJob({ waiting: { code: 'NO_FREE_GPU', message: 'busy', position: 1 } }), aJob({ id: 'j-2', state: 'RUNNING' })]);
    assert.deepEqual(
      text.split('\n').map((line) => line.split(/ {2,}/)),
      [
        ['ID', 'KIND', 'TEAM', 'STATE', 'GPUS', 'CREATED', 'POS', 'REASON'],
        ['j-1', 'pca', 'delta', 'QUEUED', '-', '2026-12-01 08:00:00', '1', 'NO_FREE_GPU'],
        ['j-2', 'pca', 'delta', 'RUNNING', '-', '2026-12-01 08:00:00', '-', '-'],
      ],
    );
  });
});

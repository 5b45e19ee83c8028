import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ArtifactRecord, type JobRecord, ObjectNames, workerEventSubject } from '@gpulab/contracts';
import { trustedReport } from './trusted-report';
import { isCancelledAttempt, isCurrentAttempt, readAccess, writeAccess } from './worker-data-access';

const job = {
  id: 'j-a',
  team: 'alpha',
  role: 'member',
  attempt: 2,
  state: 'RUNNING',
  params: { model: 'art-aaaaaaaaaaaaaaaa', source: 'j-b' },
  input: { source: 'object', name: ObjectNames.input('j-a'), rows: 1, cols: 1 },
} as unknown as JobRecord;
const artifact = (team: string) => ({ id: 'art-aaaaaaaaaaaaaaaa', team }) as ArtifactRecord;
const other = (team: string) => ({ id: 'j-b', team }) as JobRecord;

describe("what a worker's data request may reach", () => {
  it('counts only the attempt that holds the GPUs as current', () => {
    assert.equal(isCurrentAttempt(job, 2), true);
    assert.equal(isCurrentAttempt(job, 1), false);
    assert.equal(isCurrentAttempt({ ...job, state: 'CANCELLED' } as JobRecord, 2), false);
    assert.equal(isCurrentAttempt(undefined, 2), false);
  });

  it('lets the attempt a cancel ended store its files during its stop grace, and no other attempt nor after it', () => {
    const cancelled = { ...job, state: 'CANCELLED', finishedAt: '2026-12-03T10:00:00.000Z' } as JobRecord;
    const at = (iso: string) => Date.parse(iso);
    assert.equal(isCancelledAttempt(cancelled, 2, at('2026-12-03T10:00:05Z'), 10_000), true);
    assert.equal(isCancelledAttempt(cancelled, 2, at('2026-12-03T10:00:11Z'), 10_000), false);
    assert.equal(isCancelledAttempt(cancelled, 1, at('2026-12-03T10:00:05Z'), 10_000), false);
    assert.equal(isCancelledAttempt({ ...cancelled, state: 'FAILED' } as JobRecord, 2, at('2026-12-03T10:00:05Z'), 10_000), false);
    assert.equal(isCancelledAttempt(undefined, 2, at('2026-12-03T10:00:05Z'), 10_000), false);
  });

  it("reads the job's own input and checkpoint, and what its parameters name of its own team", () => {
    assert.deepEqual(readAccess(job, { kind: 'input' }), { ok: true, object: ObjectNames.input('j-a') });
    assert.deepEqual(readAccess(job, { kind: 'checkpoint' }), { ok: true, object: ObjectNames.checkpoint('j-a') });
    assert.deepEqual(readAccess(job, { kind: 'artifact', id: 'art-aaaaaaaaaaaaaaaa' }, { artifact: artifact('alpha') }), { ok: true, object: ObjectNames.artifact('art-aaaaaaaaaaaaaaaa') });
    assert.deepEqual(readAccess(job, { kind: 'job-file', jobId: 'j-b', name: 'model.json' }, { other: other('alpha') }), { ok: true, object: ObjectNames.output('j-b', 'model.json') });
  });

  it("reads the artifacts a run job's inputs and code name, and no other", () => {
    const run = { ...job, kind: 'run', params: { command: ['true'], inputs: ['train=art-cccccccccccccccc'], code: 'art-dddddddddddddddd' } } as unknown as JobRecord;
    const own = (id: string) => ({ ...artifact('alpha'), id });
    assert.equal(readAccess(run, { kind: 'artifact', id: 'art-cccccccccccccccc' }, { artifact: own('art-cccccccccccccccc') }).ok, true);
    assert.equal(readAccess(run, { kind: 'artifact', id: 'art-dddddddddddddddd' }, { artifact: own('art-dddddddddddddddd') }).ok, true);
    assert.equal(readAccess(run, { kind: 'artifact', id: 'art-aaaaaaaaaaaaaaaa' }, { artifact: artifact('alpha') }).ok, false);
  });

  it("refuses another team's things, things the parameters do not name, and names that are not plain", () => {
    const code = (access: ReturnType<typeof readAccess>) => (access.ok ? 'ok' : access.code);
    assert.equal(code(readAccess(job, { kind: 'artifact', id: 'art-aaaaaaaaaaaaaaaa' }, { artifact: artifact('beta') })), 'denied');
    assert.equal(code(readAccess(job, { kind: 'artifact', id: 'art-bbbbbbbbbbbbbbbb' }, { artifact: { ...artifact('alpha'), id: 'art-bbbbbbbbbbbbbbbb' } })), 'denied');
    assert.equal(code(readAccess(job, { kind: 'job-file', jobId: 'j-b', name: 'model.json' }, { other: other('beta') })), 'denied');
    assert.equal(code(readAccess(job, { kind: 'job-file', jobId: 'j-b', name: '../result.json' }, { other: other('alpha') })), 'invalid');
    assert.equal(code(readAccess(job, { kind: 'artifact', id: '../../jobs' })), 'invalid');
    assert.equal(code(readAccess({ ...job, input: { source: 'none' } } as JobRecord, { kind: 'input' })), 'not-found');
    assert.equal(code(writeAccess(job, { kind: 'output', name: 'a/b.png' })), 'invalid');
    assert.deepEqual(writeAccess(job, { kind: 'result' }), { ok: true, object: ObjectNames.result('j-a') });
  });

  it('lets a tutor job read what its parameters name of any team', () => {
    const tutorJob = { ...job, role: 'tutor', team: 'tutors' } as JobRecord;
    assert.equal(readAccess(tutorJob, { kind: 'artifact', id: 'art-aaaaaaaaaaaaaaaa' }, { artifact: artifact('beta') }).ok, true);
  });
});

describe('a report is what its subject says', () => {
  const body = (jobId: string, attempt: number, type = 'started', extra: object = {}) => JSON.stringify({ jobId, attempt, time: 't', body: { type, backend: 'x', pid: 1, ...extra } });

  it('accepts a report whose body names the job and attempt of its subject', () => {
    assert.equal(trustedReport(workerEventSubject('j-a', 2, 'report.started'), body('j-a', 2))?.attempt, 2);
    assert.ok(trustedReport(workerEventSubject('j-a', 2, 'report.result'), body('j-a', 2, 'result', { resultRef: ObjectNames.result('j-a') })));
    assert.ok(trustedReport(workerEventSubject('j-a', 2, 'report.failed'), body('j-a', 2, 'failed', { reason: 'x', retryable: false, resultRef: ObjectNames.result('j-a') })));
  });

  it('drops one that claims another job, attempt or kind of report, a result stored elsewhere, or is not JSON', () => {
    assert.equal(trustedReport(workerEventSubject('j-a', 2, 'report.started'), body('j-b', 2)), undefined);
    assert.equal(trustedReport(workerEventSubject('j-a', 2, 'report.started'), body('j-a', 3)), undefined);
    assert.equal(trustedReport(workerEventSubject('j-a', 2, 'report.started'), body('j-a', 2, 'result', { resultRef: ObjectNames.result('j-a') })), undefined);
    assert.equal(trustedReport(workerEventSubject('j-a', 2, 'report.result'), body('j-a', 2, 'result', { resultRef: ObjectNames.artifact('art-aaaaaaaaaaaaaaaa') })), undefined);
    assert.equal(trustedReport(workerEventSubject('j-a', 2, 'report.failed'), body('j-a', 2, 'failed', { reason: 'x', retryable: false, resultRef: ObjectNames.result('j-b') })), undefined);
    assert.equal(trustedReport(workerEventSubject('j-a', 2, 'report.started'), '{not json'), undefined);
    assert.equal(trustedReport('gpulab.events.j-a.report.started', body('j-a', 2)), undefined);
  });
});

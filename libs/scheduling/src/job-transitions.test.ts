import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type JobRecord, JobStates } from '@gpulab/contracts';
import { isTerminal } from './job-lifecycle';
import { applyTransition, type Decision, onCancelled, onLaunchFailed, onLeaseExpired, onPlaced, onPreemptionNotice, onReport, onWorkerExit, type RetryPolicy, retryDelayMs } from './job-transitions';

const policy: RetryPolicy = { maxAttempts: 3, backoffMs: 1000, maxBackoffMs: 60_000 };

type Event =
  | { type: 'place' }
  | { type: 'started' }
  | { type: 'result' }
  | { type: 'failed'; retryable: boolean }
  | { type: 'exit'; stale: boolean }
  | { type: 'lease' }
  | { type: 'preempt' }
  | { type: 'launch-failed' }
  | { type: 'cancel' };

const eventArb: fc.Arbitrary<Event> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Event>({ type: 'place' }) },
  fc.constant<Event>({ type: 'started' }),
  fc.constant<Event>({ type: 'result' }),
  { weight: 3, arbitrary: fc.record({ type: fc.constant('failed' as const), retryable: fc.boolean() }) },
  fc.record({ type: fc.constant('exit' as const), stale: fc.boolean() }),
  fc.constant<Event>({ type: 'lease' }),
  fc.constant<Event>({ type: 'preempt' }),
  fc.constant<Event>({ type: 'launch-failed' }),
  { weight: 1, arbitrary: fc.constant<Event>({ type: 'cancel' }) },
);

function queued(): JobRecord {
  return { id: 'j1', team: 't1', submittedBy: 'ann', role: 'member', priority: false, preemptible: false, kind: 'noop', params: {}, input: { source: 'none' }, gpus: 1, state: 'QUEUED', attempt: 0, assignedGpus: [], createdAt: '2026-12-01T00:00:00.000Z' };
}

function decide(job: JobRecord, e: Event, now: string): Decision {
  switch (e.type) {
    case 'place':
      return job.state === JobStates.queued ? [onPlaced(job, [{ server: 's1', index: 0 }], { now, inSlot: true })] : [];
    case 'started':
      return onReport(job, { type: 'started', attempt: job.attempt, time: now, backend: 'cpu' }, policy, now);
    case 'result':
      return onReport(job, { type: 'result', attempt: job.attempt, resultRef: 'r' }, policy, now);
    case 'failed':
      return onReport(job, { type: 'failed', attempt: job.attempt, reason: 'boom', retryable: e.retryable }, policy, now);
    case 'exit':
      return onWorkerExit(job, { attempt: e.stale ? job.attempt - 1 : job.attempt, code: 1, signal: null }, policy, now);
    case 'lease':
      return onLeaseExpired(job, 30_000, policy, now);
    case 'preempt': {
      const notice = onPreemptionNotice(job, 'a slot needs s1 GPU 0', now);
      return notice ? [{ to: job.state, changes: notice, stopWorker: false }] : [];
    }
    case 'launch-failed':
      return onLaunchFailed(job, 'spawn ENOENT', now);
    case 'cancel':
      return onCancelled(job, 'ann', now);
  }
}

describe('job transitions', () => {
  it('ends every attempt, retries a transient failure within the budget and never a terminal one', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 60 }), (events) => {
        let job = queued();
        let clock = Date.parse('2026-12-01T00:00:00Z');
        let terminalFailures = 0;
        for (const e of events) {
          clock += 1000;
          const now = new Date(clock).toISOString();
          const before = job;
          for (const t of decide(job, e, now)) {
            // A notice keeps the state: applied as a plain change, not an edge of the machine.
            job = t.to === job.state && e.type === 'preempt' ? { ...job, ...t.changes } : applyTransition(job, t, now);
          }
          if (e.type === 'failed' && !e.retryable && before.state !== job.state) {
            terminalFailures++;
            assert.equal(job.state, JobStates.failed, 'a terminal failure ends the job at once');
          }
          if (isTerminal(before.state)) assert.deepEqual(job, before, 'an ended job never changes');
        }
        const attempts = job.attempts ?? [];
        assert.equal(attempts.length, job.attempt, 'one entry per attempt');
        const counted = attempts.filter((a) => a.outcome !== 'preempted').length;
        assert.ok(counted <= policy.maxAttempts, `at most ${policy.maxAttempts} attempts besides preempted ones`);
        const retried = attempts.filter((a) => a.outcome === 'retried').length;
        assert.ok(retried <= policy.maxAttempts - 1, 'retried at most maxAttempts − 1 times');
        attempts.forEach((a, i) => {
          assert.equal(a.attempt, i + 1);
          const current = i === attempts.length - 1 && (job.state === JobStates.scheduled || job.state === JobStates.running);
          if (current) assert.equal(a.outcome, 'running');
          else assert.ok(a.to !== undefined && a.outcome !== 'running', `attempt ${a.attempt} ended`);
        });
        if (job.state === JobStates.failed && attempts.length > 0) assert.ok(attempts[attempts.length - 1].reason, 'a failed job says why');
        assert.ok(terminalFailures <= 1);
        if (attempts.some((a) => a.outcome === 'failed')) assert.equal(job.state, JobStates.failed);
      }),
      { numRuns: 1000 },
    );
  });

  it('fails a job that used its last attempt, and says which', () => {
    let job = queued();
    const now = '2026-12-01T00:00:00.000Z';
    for (let i = 0; i < policy.maxAttempts; i++) {
      job = applyTransition(job, onPlaced(job, [{ server: 's1', index: 0 }], { now, inSlot: true }), now);
      for (const t of onWorkerExit(job, { attempt: job.attempt, code: null, signal: 'SIGKILL' }, policy, now)) job = applyTransition(job, t, now);
    }
    assert.equal(job.state, JobStates.failed);
    assert.match(job.reason ?? '', /killed by SIGKILL without reporting a result \(attempt 3 of 3\)/);
    assert.deepEqual(job.attempts?.map((a) => a.outcome), ['retried', 'retried', 'failed']);
  });

  it('does not count preempted attempts against the retry budget', () => {
    let job = queued();
    const now = '2026-12-01T00:00:00.000Z';
    const place = () => (job = applyTransition(job, onPlaced(job, [{ server: 's1', index: 0 }], { now, inSlot: true }), now));
    const exit = () => {
      for (const t of onWorkerExit(job, { attempt: job.attempt, code: null, signal: 'SIGKILL' }, policy, now)) job = applyTransition(job, t, now);
    };
    for (let i = 0; i < 4; i++) {
      place();
      job = { ...job, ...onPreemptionNotice(job, 'the slot ended', now) };
      exit();
    }
    place();
    exit();
    assert.equal(job.state, JobStates.queued, 'four preemptions and one lost worker leave two tries');
    place();
    exit();
    place();
    exit();
    assert.equal(job.state, JobStates.failed);
    assert.match(job.reason ?? '', /\(attempt 3 of 3\)/);
    assert.equal(job.attempt, 7);
  });

  it('keeps on a failed job the record of the files its last attempt kept, and not on one that is tried again', () => {
    const now = '2026-12-01T00:00:00.000Z';
    const running = applyTransition(queued(), onPlaced(queued(), [{ server: 's1', index: 0 }], { now, inSlot: true }), now);
    const report = { type: 'failed' as const, attempt: 1, reason: 'the command exited with code 3', resultRef: 'results/j1' };
    const [failed] = onReport(running, { ...report, retryable: false }, policy, now);
    assert.equal(failed.to, JobStates.failed);
    assert.equal(failed.changes.resultRef, 'results/j1');
    const retried = onReport(running, { ...report, retryable: true }, policy, now);
    assert.ok(retried.every((t) => t.changes.resultRef === undefined));
  });

  it('waits longer before each retry, up to a limit', () => {
    assert.deepEqual([1, 2, 3, 10].map((a) => retryDelayMs(policy, a)), [1000, 2000, 4000, 60_000]);
    assert.equal(retryDelayMs({ ...policy, backoffMs: 0 }, 2), 0);
  });

  it('queues a preempted job again once its worker has stopped, with the attempt marked preempted', () => {
    const now = '2026-12-01T00:00:00.000Z';
    let job = applyTransition(queued(), onPlaced(queued(), [{ server: 's1', index: 0 }], { now, inSlot: false }), now);
    job = { ...job, ...onPreemptionNotice(job, 'a booked slot needs s1 GPU 0', now) };
    const steps = onWorkerExit(job, { attempt: 1, code: 0, signal: null }, policy, now);
    assert.deepEqual(steps.map((s) => s.to), ['PREEMPTED', 'QUEUED']);
    for (const t of steps) job = applyTransition(job, t, now);
    assert.equal(job.preempting, undefined);
    assert.equal(job.attempts?.[0].outcome, 'preempted');
    assert.equal(job.notBefore, undefined, 'a preemption is no failure: no backoff');
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LocalStack } from '@gpulab/local-stack';
import { type GpulabClient, GpulabError, type JobEventView, type JobView } from '@gpulab/sdk';
import { tempDir } from './temp-dir';
import { eventually } from './worker-processes';

const MAX_ATTEMPTS = 3;
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/**
 * A failure the worker reports as transient costs an attempt, not the job: the real worker runs
 * the `flaky` kind, which fails transiently on its first attempts, and the scheduler requeues it
 * within its attempt budget. The jobs are a tutor's, so they run on GPUs no slot holds.
 */
describe('a transient failure is retried within the attempt budget', () => {
  const dir = tempDir('transient-retry');
  let stack: LocalStack;
  let tutor: GpulabClient;
  let member: GpulabClient;

  before(async () => {
    stack = await LocalStack.start({ dataDir: join(dir.path, 'data'), port: 0, gpuLayout: '2', env: { GPULAB_MAX_ATTEMPTS: String(MAX_ATTEMPTS), GPULAB_EXIT_SETTLE: '200ms', GPULAB_RETRY_BACKOFF: '400ms' } });
    tutor = stack.client(stack.tokens.tutor);
    member = stack.client();
  });

  after(async () => {
    tutor?.close();
    member?.close();
    await stack?.close();
    dir.remove();
  });

  const ended = (id: string): Promise<JobView> => eventually(`${id} to end`, async () => {
    const job = await tutor.getJob(id);
    return TERMINAL.has(job.state) ? job : undefined;
  }, 30_000);

  const stateEvents = async (id: string): Promise<Extract<JobEventView, { type: 'state' }>[]> => {
    const events: Extract<JobEventView, { type: 'state' }>[] = [];
    for await (const event of tutor.watchJob(id, AbortSignal.timeout(10_000))) if (event.type === 'state') events.push(event);
    return events;
  };

  it('when a flaky job fails transiently on attempt 1, it is queued again and succeeds on attempt 2', async () => {
    const { job } = await tutor.submitJob({ kind: 'flaky', params: { failAttempts: 1 } });
    const done = await ended(job.id);
    assert.equal(done.state, 'SUCCEEDED', done.reason);
    assert.equal(done.attempt, 2);
    assert.deepEqual(done.result, { attempt: 2, failedAttempts: 1 });
    const requeued = (await stateEvents(job.id)).find((e) => e.state === 'QUEUED' && e.attempt === 1 && e.reason);
    assert.match(requeued?.reason ?? '', /its worker failed: flaky: attempt 1 fails on purpose/);
    // The record keeps both attempts, and the second began only after the backoff.
    assert.deepEqual(done.attempts.map((a) => [a.attempt, a.outcome, a.worker?.startsWith('pid:')]), [[1, 'retried', true], [2, 'succeeded', true]]);
    assert.match(done.attempts[0].reason ?? '', /flaky: attempt 1 fails on purpose/);
    const gap = (done.attempts[1].from?.getTime() ?? 0) - (done.attempts[0].to?.getTime() ?? 0);
    assert.ok(gap >= 400, `attempt 2 began ${gap} ms after attempt 1 ended, within the 400 ms backoff`);
  });

  it('when every attempt fails transiently, the job fails after its last attempt and says why', async () => {
    const { job } = await tutor.submitJob({ kind: 'flaky', params: { failAttempts: MAX_ATTEMPTS } });
    const done = await ended(job.id);
    assert.equal(done.state, 'FAILED');
    assert.equal(done.attempt, MAX_ATTEMPTS);
    assert.deepEqual(done.attempts.map((a) => a.outcome), [...Array(MAX_ATTEMPTS - 1).fill('retried'), 'failed']);
    assert.match(done.reason ?? '', new RegExp(`flaky: attempt ${MAX_ATTEMPTS} fails on purpose.*\\(attempt ${MAX_ATTEMPTS} of ${MAX_ATTEMPTS}\\)`));
  });

  it('runs noop on its first attempt, and refuses a flaky job with bad parameters before it is queued', async () => {
    const { job } = await tutor.submitJob({ kind: 'noop' });
    const done = await ended(job.id);
    assert.deepEqual([done.state, done.attempt, done.result], ['SUCCEEDED', 1, { noop: true }]);
    await assert.rejects(tutor.submitJob({ kind: 'flaky', params: { failAttempts: 'often' } }), (e: unknown) => e instanceof GpulabError && e.code === 'INVALID_ARGUMENT' && /failAttempts must be a whole number/.test(e.message));
  });

  it("refuses the test kinds to a team's member with PERMISSION_DENIED and a sentence saying they are for tutors", async () => {
    for (const kind of ['noop', 'flaky']) {
      await assert.rejects(
        member.submitJob({ kind }),
        (e: unknown) => e instanceof GpulabError && e.code === 'PERMISSION_DENIED' && e.message.includes(`the job kind ${kind} is a test kind that only tutors may submit`),
      );
    }
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LocalStack } from '@gpulab/local-stack';
import { type GpulabClient, GpulabError, type JobStateName } from '@gpulab/sdk';
import { tempDir } from './temp-dir';
import { eventually, workerPids } from './worker-processes';

/**
 * One simulated GPU and workers that run until stopped, so the test decides when GPUs free up.
 * The scheduler, NATS and the worker processes are all real. A single GPU holds no 2-GPU slot,
 * so the jobs are a tutor's, which run on GPUs no slot holds.
 */
describe('cancel, worker loss and scheduler restarts', () => {
  const dir = tempDir('restart');
  let stack: LocalStack;
  let client: GpulabClient;

  const stateOf = async (id: string) => (await client.getJob(id)).state;
  const reaches = (id: string, state: JobStateName) => eventually(`${id} ${state}`, async () => ((await stateOf(id)) === state ? true : undefined));
  const submit = async () => (await client.submitJob({ kind: 'pca', input: { dataset: 'seed-example' } })).job.id;

  before(async () => {
    stack = await LocalStack.start({
      dataDir: join(dir.path, 'data'),
      port: 0,
      gpuLayout: '1',
      env: { GPULAB_WORKER_ENTRY: require.resolve('@gpulab/scheduler/testing/slow-worker'), GPULAB_EXIT_SETTLE: '200ms', GPULAB_STOP_GRACE: '2s', GPULAB_LEADER_LEASE: '1500ms', GPULAB_HEARTBEAT_INTERVAL: '200ms', GPULAB_HEARTBEAT_TIMEOUT: '1500ms' },
    });
    client = stack.client(stack.tokens.tutor);
  });

  after(async () => {
    for (const job of (await client?.listJobs({ pageSize: 500 }).catch(() => undefined))?.jobs ?? []) {
      for (const pid of workerPids(job.id)) process.kill(pid, 'SIGKILL');
    }
    client?.close();
    await stack?.close();
    dir.remove();
  });

  let a = '';
  let b = '';

  it('queues a second job while the only GPU is busy and says why', async () => {
    a = await submit();
    await reaches(a, 'RUNNING');
    b = await submit();
    const job = await client.getJob(b);
    assert.equal(job.state, 'QUEUED');
    assert.match(job.waitingReason ?? '', /waiting for 1 free GPU on one server that no slot holds \(0 of 1 free now\)/);
  });

  it('cancelling the running job stops its worker and starts the next one', async () => {
    assert.equal(workerPids(a).length, 1);
    const cancelled = await client.cancelJob(a);
    assert.equal(cancelled.state, 'CANCELLED');
    assert.match(cancelled.reason ?? '', /cancelled by tutor/);
    await eventually('the cancelled worker to exit', () => (workerPids(a).length === 0 ? true : undefined));
    await reaches(b, 'RUNNING');
    await assert.rejects(client.cancelJob(a), (e: unknown) => e instanceof GpulabError && e.code === 'FAILED_PRECONDITION');
  });

  it('a scheduler killed with -9 comes back with every job, adopts the running worker and never runs it twice', async () => {
    const [pidBefore] = workerPids(b);
    await stack.killService('scheduler');
    await assert.rejects(submit(), (e: unknown) => e instanceof GpulabError && e.code === 'UNAVAILABLE' && /scheduler/.test(e.message));
    stack.startService('scheduler');
    const job = await eventually('the scheduler to answer again', () => client.getJob(b).catch(() => undefined));
    assert.equal(job.state, 'RUNNING');
    assert.equal(job.attempt, 1);
    assert.deepEqual(workerPids(b), [pidBefore]);
    assert.equal(await stateOf(a), 'CANCELLED');
  });

  it('a standby scheduler takes over when the leader dies and adopts the running worker', async () => {
    stack.startService('scheduler', 'scheduler-standby');
    await new Promise((r) => setTimeout(r, 500)); // the standby is up and waiting
    const [pidBefore] = workerPids(b);
    await stack.killService('scheduler');
    const job = await eventually('the standby to answer', () => client.getJob(b).catch(() => undefined), 20_000);
    assert.equal(job.state, 'RUNNING');
    assert.equal(job.attempt, 1);
    assert.deepEqual(workerPids(b), [pidBefore]);
    const queued = await submit();
    assert.equal((await client.getJob(queued)).state, 'QUEUED', 'the standby schedules: the only GPU is busy');
    await client.cancelJob(queued);
  });

  it('a worker that freezes (alive, but silent) loses its lease: requeued, the frozen one stopped', async () => {
    const before = await client.getJob(b);
    const [frozen] = workerPids(b);
    process.kill(frozen, 'SIGSTOP');
    const again = await eventually('a new attempt', async () => {
      const j = await client.getJob(b);
      return j.attempt === before.attempt + 1 && j.state === 'RUNNING' ? j : undefined;
    });
    await eventually('the frozen worker to be killed', () => (workerPids(b).includes(frozen) ? undefined : true));
    assert.equal(workerPids(b).length, 1);
    assert.equal(again.attempt, before.attempt + 1);
  });

  it('a worker that dies is requeued with a new attempt and started once more', async () => {
    const [pid] = workerPids(b);
    process.kill(pid, 'SIGKILL');
    const again = await eventually('attempt 3', async () => {
      const j = await client.getJob(b);
      return j.attempt === 3 && j.state === 'RUNNING' ? j : undefined;
    });
    assert.equal(again.attempt, 3);
    assert.equal(workerPids(b).length, 1);
    const history = [];
    for await (const e of client.watchJob(b, AbortSignal.timeout(1500))) history.push(e);
    const states = history.flatMap((e) => (e.type === 'state' ? [`${e.state}@${e.attempt}`] : []));
    assert.deepEqual(states, ['QUEUED@0', 'SCHEDULED@1', 'RUNNING@1', 'QUEUED@1', 'SCHEDULED@2', 'RUNNING@2', 'QUEUED@2', 'SCHEDULED@3', 'RUNNING@3']);
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jobKey, type JobEventEnvelope, Nats, ObjectNames, SchedulerSubjects, workerEventSubject, workerInboxPrefix } from '@gpulab/contracts';
import { connectNats, type NatsConnection, WorkerDataClient } from '@gpulab/platform';
import { LocalStack } from '@gpulab/local-stack';
import { type GpulabClient } from '@gpulab/sdk';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { tempDir } from './temp-dir';
import { eventually, SLOW_WORKERS, workerPids } from './worker-processes';

/** What a job's own code can take: its worker's environment. */
function workerCredentials(jobId: string): { creds: string; attempt: number } {
  const [pid] = workerPids(jobId);
  assert.ok(pid, `no worker runs ${jobId}`);
  const env = Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  assert.ok(env.GPULAB_NATS_CREDS_TEXT, 'the worker has no credentials of its own');
  assert.equal(env.GPULAB_NATS_CREDS, undefined, "the worker inherited a service's credentials");
  assert.equal(env.GPULAB_NATS_WORKER_SIGNER, undefined, "the worker inherited the scheduler's signing key");
  return { creds: env.GPULAB_NATS_CREDS_TEXT, attempt: Number(env.GPULAB_ATTEMPT) };
}

async function fails(operation: () => Promise<unknown>): Promise<boolean> {
  try {
    await operation();
    return false;
  } catch {
    return true;
  }
}

/**
 * The attack that once worked on the local stack, as a test: a job's own code takes its worker's
 * credentials and tries to end another job, read the store, command the scheduler and sniff.
 */
describe('NATS against a job that attacks it', () => {
  const dir = tempDir('nats-attack');
  let stack: LocalStack;
  let client: GpulabClient;
  let attacker: NatsConnection | undefined;
  let attackerJob = '';
  let victimJob = '';

  const stateOf = async (id: string): Promise<string> => (await client.getJob(id)).state;
  const submit = async () => (await client.submitJob({ kind: 'pca', input: { dataset: 'seed-example' } })).job.id;

  before(async () => {
    stack = await LocalStack.start({
      dataDir: join(dir.path, 'data'),
      port: 0,
      gpuLayout: '2',
      env: SLOW_WORKERS,
    });
    client = stack.client(stack.tokens.tutor);
    attackerJob = await submit();
    victimJob = await submit();
    for (const id of [attackerJob, victimJob]) await eventually(`${id} RUNNING`, async () => ((await stateOf(id)) === 'RUNNING' ? true : undefined));
    const { creds, attempt } = workerCredentials(attackerJob);
    attacker = await connectNats({ url: stack.nats.url, name: 'attacker', creds, inboxPrefix: workerInboxPrefix(attackerJob, attempt), maxReconnectAttempts: 0 });
  });

  after(async () => {
    await attacker?.close().catch(() => undefined);
    for (const id of [attackerJob, victimJob]) for (const pid of workerPids(id)) process.kill(pid, 'SIGKILL');
    client?.close();
    await stack?.close();
    dir.remove();
  });

  it('refuses a connection without credentials', async () => {
    assert.ok(await fails(() => connectNats({ url: stack.nats.url, name: 'anonymous', maxReconnectAttempts: 0 })));
  });

  it("cannot end another job: its report subjects are closed, and a report of its own that names the other job changes nothing", async () => {
    assert.ok(attacker);
    const js = jetstream(attacker, { timeout: 1000 });
    const forged = (jobId: string, attempt: number): string =>
      JSON.stringify({ jobId, attempt, time: new Date().toISOString(), body: { type: 'result', backend: 'forged', resultRef: ObjectNames.result(jobId) } } satisfies JobEventEnvelope);
    const victim = await client.getJob(victimJob);
    assert.ok(await fails(() => js.publish(workerEventSubject(victimJob, victim.attempt, 'report.result'), forged(victimJob, victim.attempt))));
    const own = await client.getJob(attackerJob);
    await js.publish(workerEventSubject(attackerJob, own.attempt, 'report.result'), forged(victimJob, victim.attempt));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await stateOf(victimJob), 'RUNNING');
    assert.equal(workerPids(victimJob).length, 1, "the victim's worker is still at work");
  });

  it("cannot command the scheduler, read the buckets, or reach another job's data", async () => {
    assert.ok(attacker);
    assert.ok(await fails(() => attacker!.request(SchedulerSubjects.teams, JSON.stringify({ caller: { role: 'tutor', name: 'eve' } }), { timeout: 1000 })));
    const kvm = new Kvm(jetstream(attacker, { timeout: 1000 }));
    assert.ok(await fails(async () => (await kvm.open(Nats.jobsBucket)).get(jobKey(victimJob))));
    assert.ok(await fails(async () => (await kvm.open(Nats.calendarBucket)).keys()));
    const own = await client.getJob(attackerJob);
    const data = new WorkerDataClient(attacker, attackerJob, own.attempt, 2000);
    assert.ok(await fails(() => data.read({ kind: 'job-file', jobId: victimJob, name: 'result.json' })));
    const victim = await client.getJob(victimJob);
    assert.ok(await fails(() => new WorkerDataClient(attacker!, victimJob, victim.attempt, 1000).job()), "asked for the victim's record on the victim's subject");
  });

  it("hears nothing of others' traffic: no new member's token, no other job's events", async () => {
    assert.ok(attacker);
    const heard: string[] = [];
    for (const subject of ['>', '_INBOX.>', 'gpulab.events.>']) attacker.subscribe(subject, { callback: (err, msg) => void (err ?? heard.push(msg.string())) });
    await attacker.flush().catch(() => undefined);
    await client.createTeam('attacked').catch(() => undefined);
    const member = await client.addMember('attacked', 'ana');
    await client.getJob(victimJob);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(member.token.length > 20);
    assert.deepEqual(heard, [], 'a worker heard traffic that is not its own');
  });
});

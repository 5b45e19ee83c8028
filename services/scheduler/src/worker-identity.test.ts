import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { type INestApplicationContext } from '@nestjs/common';
import {
  type ArtifactRecord,
  ArtifactKeys,
  type Caller,
  type GpuAddress,
  heartbeatSubject,
  type HeartbeatReply,
  type JobEventEnvelope,
  type JobRecord,
  type JobReply,
  ObjectNames,
  type Reply,
  SchedulerSubjects,
  type SlotView,
  workerEventSubject,
  workerInboxPrefix,
  workerPermissions,
} from '@gpulab/contracts';
import { connectNats, type JetStreamResources, mintUserCreds, type NatsConnection, openJetStreamResources, WorkerDataClient, WorkerDataError } from '@gpulab/platform';
import { useNatsServer } from '@gpulab/platform/testing';
import { jetstream } from '@nats-io/jetstream';
import { compileSchedulerConfig } from './config';
import { type Launcher, type WorkerExit } from './launcher';
import { SchedulerModule } from './scheduler.module';

const alpha: Caller = { role: 'member', team: 'alpha', name: 'ana' };
const beta: Caller = { role: 'member', team: 'beta', name: 'bo' };

/** Records what the scheduler starts and stops; the test itself plays each worker. */
class RecordingLauncher implements Launcher {
  readonly launched: JobRecord[] = [];
  readonly stopped: string[] = [];
  async launch(job: JobRecord, _gpus: readonly GpuAddress[]): Promise<{ handle: string }> {
    this.launched.push(job);
    return { handle: 'test' };
  }
  adopt(): boolean {
    return false;
  }
  stop(jobId: string): void {
    this.stopped.push(jobId);
  }
  onExit(_listener: (exit: WorkerExit) => void): void {}
  async close(): Promise<void> {}
}

async function refusal(operation: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await operation();
    return undefined;
  } catch (error) {
    return error instanceof WorkerDataError ? error.code : `not a data error: ${String(error)}`;
  }
}

describe("workers act only as their own job's attempt", () => {
  const launcher = new RecordingLauncher();
  const connections: NatsConnection[] = [];
  let dir: string;
  let app: INestApplicationContext;
  let gateway: NatsConnection;
  let resources: JetStreamResources;
  // Registered before the server's own hook, so the scheduler stops while NATS is still there.
  after(async () => {
    for (const nc of connections) await nc.close().catch(() => undefined);
    await app?.close();
    await gateway?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const nats = useNatsServer('worker-identity', { secured: true });

  async function command<T>(subject: string, body: unknown): Promise<T> {
    const reply = (await gateway.request(subject, JSON.stringify(body), { timeout: 10_000 })).json<Reply<T>>();
    if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
    return reply.value;
  }

  async function workerOf(job: Pick<JobRecord, 'id' | 'attempt'>) {
    const ids = nats.identities;
    assert.ok(ids);
    const creds = await mintUserCreds({ signerSeed: ids.signerSeed, accountPublicKey: ids.account.publicKey, name: 'w', permissions: workerPermissions(job.id, job.attempt) });
    const nc = await connectNats({ url: nats.server.url, name: 'worker', creds, inboxPrefix: workerInboxPrefix(job.id, job.attempt), maxReconnectAttempts: 0 });
    connections.push(nc);
    return { nc, data: new WorkerDataClient(nc, job.id, job.attempt, 5000), js: jetstream(nc) };
  }

  async function submit(caller: Caller, jobId: string, params: Record<string, unknown> = {}): Promise<JobRecord> {
    await resources.artifacts.putBlob({ name: ObjectNames.input(jobId) }, new TextEncoder().encode(`input of ${jobId}`));
    await command<JobReply>(SchedulerSubjects.submit, {
      caller,
      jobId,
      kind: 'pca',
      params,
      input: { source: 'object', name: ObjectNames.input(jobId), rows: 1, cols: 1 },
      gpus: 1,
      priority: false,
      preemptible: false,
    });
    for (let i = 0; i < 100; i += 1) {
      const launched = launcher.launched.find((j) => j.id === jobId);
      if (launched) return launched;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${jobId} was not launched`);
  }

  async function state(jobId: string): Promise<string> {
    return (await command<JobReply>(SchedulerSubjects.get, { caller: { role: 'tutor', name: 't' }, jobId })).job.state;
  }

  async function until(what: string, check: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 100; i += 1) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`timed out waiting for ${what}`);
  }

  before(async () => {
    const ids = nats.identities;
    assert.ok(ids);
    dir = mkdtempSync(join(tmpdir(), 'gpulab-worker-identity-'));
    const tokensFile = join(dir, 'tokens.json');
    writeFileSync(tokensFile, JSON.stringify({ tutor: 'x', teams: { alpha: 'a', beta: 'b' } }));
    const natsCredsFile = join(dir, 'scheduler.creds');
    writeFileSync(natsCredsFile, ids.creds.scheduler);
    resources = await openJetStreamResources(nats.nc);
    gateway = await connectNats({ url: nats.server.url, name: 'gateway', creds: ids.creds.gateway });
    const today = new Date().toISOString().slice(0, 10);
    const config = compileSchedulerConfig({ natsUrl: nats.server.url, natsCredsFile, termStart: today, timeZone: 'UTC', tokensFile, logLevel: 'silent' });
    app = await NestFactory.createApplicationContext(SchedulerModule.forConfig(config, undefined, launcher), { logger: false });
    await app.init();
    for (const caller of [alpha, beta]) await command<SlotView>(SchedulerSubjects.book, { caller, kind: 'setup', startDate: today });
  });


  it("gives a worker its job and input, and refuses another team's artifact or a job its parameters do not name", async () => {
    const secret: ArtifactRecord = { id: 'art-bbbbbbbbbbbbbbbb', team: 'beta', createdBy: 'bo', kind: 'model', filename: 'm.json', format: 'tfjs-model', rows: 0, cols: 0, labeled: false, classNames: [], storedBytes: 4, sha256: '0'.repeat(64), createdAt: new Date().toISOString() };
    await resources.artifactIndex.put(ArtifactKeys.artifact(secret.id), JSON.stringify(secret));
    await resources.artifacts.putBlob({ name: ObjectNames.artifact(secret.id) }, new TextEncoder().encode('beta'));
    const betaJob = await submit(beta, 'j-beta-own');
    const job = await submit(alpha, 'j-alpha-reads', { model: secret.id, other: betaJob.id });
    const { data } = await workerOf(job);
    assert.equal((await data.job()).id, job.id);
    assert.equal(Buffer.from((await data.read({ kind: 'input' })) ?? []).toString(), 'input of j-alpha-reads');
    assert.equal(await data.read({ kind: 'checkpoint' }), undefined);
    assert.equal(await refusal(() => data.read({ kind: 'artifact', id: secret.id })), 'denied', "another team's artifact, though the parameters name it");
    assert.equal(await refusal(() => data.read({ kind: 'artifact', id: 'art-cccccccccccccccc' })), 'denied', 'an artifact the parameters do not name');
    assert.equal(await refusal(() => data.read({ kind: 'job-file', jobId: betaJob.id, name: 'model.json' })), 'denied', "another team's job's file");
    assert.equal(await refusal(() => data.write({ kind: 'output', name: '../../artifacts/x/data' }, new Uint8Array(1))), 'invalid');
    // The slots' GPUs are for the next tests.
    await command<JobReply>(SchedulerSubjects.cancel, { caller: alpha, jobId: job.id });
    await command<JobReply>(SchedulerSubjects.cancel, { caller: beta, jobId: betaJob.id });
  });

  it('stores what a worker writes under its own job only, large files in parts, and files its model under its own team', async () => {
    const job = await submit(alpha, 'j-alpha-writes');
    const { data } = await workerOf(job);
    const big = new Uint8Array(2_500_000).map((_, i) => i % 251);
    await data.write({ kind: 'output', name: 'big.bin' }, big);
    assert.deepEqual(await resources.artifacts.getBlob(ObjectNames.output(job.id, 'big.bin')), big);
    await data.write({ kind: 'checkpoint' }, new Uint8Array([1, 2, 3]));
    assert.deepEqual([...((await data.read({ kind: 'checkpoint' })) ?? [])], [1, 2, 3]);
    await data.write({ kind: 'checkpoint' }, big);
    assert.deepEqual(await data.read({ kind: 'checkpoint' }), big, 'a checkpoint of several parts came back changed');
    const reply = await data.write({ kind: 'model', model: { inputShape: [28, 28, 1], classes: 10, layers: ['a'], parameters: 5 }, sha256: 'a'.repeat(64) }, new Uint8Array(10));
    const record = (await resources.artifactIndex.get(ArtifactKeys.artifact(reply.artifactId ?? '')))?.json<ArtifactRecord>();
    assert.deepEqual([record?.team, record?.createdBy, record?.sourceJob, record?.storedBytes], ['alpha', 'ana', job.id, 10]);
    const again = await data.write({ kind: 'model', model: { inputShape: [1], classes: 1, layers: [], parameters: 1 }, sha256: 'b'.repeat(64) }, new Uint8Array(3));
    assert.deepEqual([again.artifactId, again.alreadyStored], [reply.artifactId, true]);
    await command<JobReply>(SchedulerSubjects.cancel, { caller: alpha, jobId: job.id });
  });

  it('drops a report whose body claims another attempt, and accepts the real one', async () => {
    const job = await submit(alpha, 'j-alpha-reports');
    const { js, data } = await workerOf(job);
    await data.write({ kind: 'result' }, new TextEncoder().encode('{"ok":true}'));
    const report = (body: JobEventEnvelope['body'], attempt = job.attempt): string => JSON.stringify({ jobId: job.id, attempt, time: new Date().toISOString(), body } satisfies JobEventEnvelope);
    await js.publish(workerEventSubject(job.id, job.attempt, 'report.started'), report({ type: 'started', backend: 'x', pid: 1 }));
    await until('RUNNING', async () => (await state(job.id)) === 'RUNNING');
    await js.publish(workerEventSubject(job.id, job.attempt, 'report.result'), report({ type: 'result', backend: 'x', resultRef: ObjectNames.result(job.id) }, job.attempt + 1));
    await js.publish(workerEventSubject(job.id, job.attempt, 'report.result'), report({ type: 'result', backend: 'x', resultRef: ObjectNames.artifact('art-bbbbbbbbbbbbbbbb') }));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await state(job.id), 'RUNNING', 'a forged or misdirected result changed the job');
    await js.publish(workerEventSubject(job.id, job.attempt, 'report.result'), report({ type: 'result', backend: 'x', resultRef: ObjectNames.result(job.id) }));
    await until('SUCCEEDED', async () => (await state(job.id)) === 'SUCCEEDED');
  });

  it('requeues a job whose worker failed for a reason trying again may cure, and fails one that failed for good', async () => {
    const job = await submit(alpha, 'j-alpha-retries');
    const report = (attempt: number, body: JobEventEnvelope['body']): string => JSON.stringify({ jobId: job.id, attempt, time: new Date().toISOString(), body } satisfies JobEventEnvelope);
    const first = await workerOf(job);
    await first.js.publish(workerEventSubject(job.id, job.attempt, 'report.failed'), report(job.attempt, { type: 'failed', reason: 'the scheduler did not answer', retryable: true }));
    await until('the next attempt', async () => launcher.launched.some((j) => j.id === job.id && j.attempt === job.attempt + 1));
    const second = await workerOf({ id: job.id, attempt: job.attempt + 1 });
    await second.js.publish(workerEventSubject(job.id, job.attempt + 1, 'report.failed'), report(job.attempt + 1, { type: 'failed', reason: 'k must be 1 or more', retryable: false }));
    await until('FAILED', async () => (await state(job.id)) === 'FAILED');
  });

  it('stops the worker of a cancelled job, and tells the attempt it is no longer current', async () => {
    const job = await submit(alpha, 'j-alpha-cancelled');
    const { nc, data } = await workerOf(job);
    assert.equal((await nc.request(heartbeatSubject(job.id, job.attempt), '', { timeout: 2000 })).json<HeartbeatReply>().current, true);
    await command<JobReply>(SchedulerSubjects.cancel, { caller: alpha, jobId: job.id });
    assert.ok(launcher.stopped.includes(job.id), 'the cancelled job kept its worker');
    assert.equal((await nc.request(heartbeatSubject(job.id, job.attempt), '', { timeout: 2000 })).json<HeartbeatReply>().current, false);
    assert.equal(await refusal(() => data.job()), 'not-current');
  });
});

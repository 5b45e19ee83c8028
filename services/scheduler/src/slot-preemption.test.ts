import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { type INestApplicationContext } from '@nestjs/common';
import { type Caller, type JobReply, type Reply, SchedulerSubjects, type SlotView } from '@gpulab/contracts';
import { connectNats, type NatsConnection, NatsServerProcess } from '@gpulab/platform';
import { type Clock } from './clock';
import { compileSchedulerConfig } from './config';
import { SchedulerModule } from './scheduler.module';
import { SchedulerService } from './scheduler.service';

/** A clock the test moves by hand: a whole slot passes in milliseconds. */
class ManualClock implements Clock {
  constructor(private ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
}

const alpha: Caller = { role: 'member', team: 'alpha', name: 'alpha' };

describe('slot end: stop notice, grace period, PREEMPTED, queued for the next slot', () => {
  let dir: string;
  let server: NatsServerProcess;
  let nc: NatsConnection;
  let app: INestApplicationContext;
  const clock = new ManualClock(Date.parse('2026-12-01T10:00:00Z'));

  async function request<T>(subject: string, body: unknown): Promise<T> {
    const reply = (await nc.request(subject, JSON.stringify(body), { timeout: 5000 })).json<Reply<T>>();
    if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
    return reply.value;
  }
  const job = async (id: string) => (await request<JobReply>(SchedulerSubjects.get, { caller: alpha, jobId: id })).job;
  async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < 200; i++) {
      const v = await probe();
      if (v !== undefined) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpulab-preempt-'));
    server = await NatsServerProcess.start({ storeDir: join(dir, 'nats') });
    nc = await connectNats({ url: server.url, name: 'preemption-test' });
    const tokensFile = join(dir, 'tokens.json');
    writeFileSync(tokensFile, JSON.stringify({ tutor: 't', teams: { alpha: 'a' } }));
    const config = compileSchedulerConfig({
      natsUrl: server.url,
      gpuLayout: '2',
      termStart: '2026-12-01',
      timeZone: 'UTC',
      tokensFile,
      workerEntry: join(__dirname, 'testing', 'slow-worker.js'),
      preemptGrace: '3s',
      exitSettle: '100ms',
      logLevel: 'warn',
    });
    app = await NestFactory.createApplicationContext(SchedulerModule.forConfig(config, clock), { logger: false });
    await app.init();
  });

  after(async () => {
    await app?.close();
    await nc?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops the job when its slot ends and restarts it in the team’s next slot', async () => {
    await request<SlotView>(SchedulerSubjects.book, { caller: alpha, kind: 'setup', startDate: '2026-12-01' });
    const next = await request<SlotView>(SchedulerSubjects.book, { caller: alpha, kind: 'experiment', startDate: '2026-12-03' });
    const { job: submitted } = await request<JobReply>(SchedulerSubjects.submit, {
      caller: alpha,
      jobId: 'j-preempt',
      kind: 'pca',
      params: {},
      input: { source: 'none' },
      gpus: 2,
      priority: false,
      preemptible: false,
    });
    await until('RUNNING', async () => ((await job(submitted.id)).state === 'RUNNING' ? true : undefined));

    clock.set('2026-12-02T00:00:01Z');
    await app.get(SchedulerService).wake();
    const requeued = await until('requeued', async () => {
      const j = await job(submitted.id);
      return j.state === 'QUEUED' && j.attempt === 1 ? j : undefined;
    });
    assert.match(requeued.reason ?? '', /the team's slot has ended; queued again/);
    assert.equal(requeued.waiting?.message, `waiting for your experiment slot that starts 2026-12-03 00:00 UTC on s1 GPUs ${next.gpus.join(',')}`);

    clock.set('2026-12-03T00:00:01Z');
    await app.get(SchedulerService).wake();
    const resumed = await until('RUNNING again', async () => {
      const j = await job(submitted.id);
      return j.state === 'RUNNING' ? j : undefined;
    });
    assert.equal(resumed.attempt, 2);
    await request<JobReply>(SchedulerSubjects.cancel, { caller: alpha, jobId: submitted.id });
  });
});

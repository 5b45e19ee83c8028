import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { type INestApplicationContext } from '@nestjs/common';
import { type Caller, type FeasibilityView, type InventoryReply, type Notice, type Reply, SchedulerSubjects, type SlotView, TUTOR_NOTICES } from '@gpulab/contracts';
import { connectNats, type NatsConnection, NatsServerProcess, openJetStreamResources, readNotices } from '@gpulab/platform';
import { compileSchedulerConfig } from './config';
import { SchedulerModule } from './scheduler.module';
import { ReportingLauncher } from './testing/reporting-launcher';

const tutor: Caller = { role: 'tutor', name: 'tutor' };

describe('a GPU breaks under a slot that has nowhere to go', () => {
  let dir: string;
  let server: NatsServerProcess;
  let nc: NatsConnection;
  let app: INestApplicationContext;

  async function request<T>(subject: string, body: unknown): Promise<T> {
    const reply = (await nc.request(subject, JSON.stringify(body), { timeout: 10_000 })).json<Reply<T>>();
    if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
    return reply.value;
  }

  async function notices(audience: string): Promise<Notice[]> {
    return readNotices((await openJetStreamResources(nc)).js, audience, 50);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpulab-stranded-'));
    server = await NatsServerProcess.start({ storeDir: join(dir, 'nats') });
    nc = await connectNats({ url: server.url, name: 'stranded-test' });
    const tokensFile = join(dir, 'tokens.json');
    writeFileSync(tokensFile, JSON.stringify({ tutor: 'x', teams: { a: 'a', b: 'b', c: 'c', d: 'd' } }));
    const { js } = await openJetStreamResources(nc);
    const config = compileSchedulerConfig({ natsUrl: server.url, termStart: '2026-12-01', timeZone: 'UTC', tokensFile, logLevel: 'warn' });
    const clock = { now: () => new Date('2026-12-01T08:00:00Z') };
    app = await NestFactory.createApplicationContext(SchedulerModule.forConfig(config, clock, new ReportingLauncher(js, 5)), { logger: false });
    await app.init();
  });

  after(async () => {
    await app?.close();
    await nc?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the slot, tells its team and the tutors, and lists it in the feasibility report', async () => {
    // All four GPU pairs are booked on the same days: no pair is free to move to.
    for (const [team, server] of [['a', 's1'], ['b', 's1'], ['c', 's2'], ['d', 's3']]) {
      await request<SlotView>(SchedulerSubjects.book, { caller: tutor, team, kind: 'experiment', startDate: '2026-12-03', server });
    }
    const reply = await request<InventoryReply>(SchedulerSubjects.inventory, { caller: tutor, change: { type: 'gpu', server: 's2', index: 0, broken: true } });
    assert.deepEqual(reply.moved, []);
    assert.deepEqual(reply.stranded.map((s) => s.team), ['c']);
    const forTutors = await notices(TUTOR_NOTICES);
    assert.match(forTutors[0].message, /slot .* of team c from 2026-12-03 00:00 UTC is on s2 GPUs 0,1, which include a broken GPU.*move or cancel it/);
    assert.match((await notices('c'))[0].message, /the tutors are told/);
    const report = await request<FeasibilityView>(SchedulerSubjects.feasibility, { caller: tutor });
    assert.deepEqual(report.stranded.map((s) => s.team), ['c']);
  });
});

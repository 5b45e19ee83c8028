import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { type INestApplicationContext } from '@nestjs/common';
import { type GpuAddress, type JobRecord, type ListReply, type Reply, SchedulerSubjects } from '@gpulab/contracts';
import { connectNats, freePort, type JetStreamResources, type NatsConnection, NatsServerProcess, openJetStreamResources } from '@gpulab/platform';
import { useNatsServer } from '@gpulab/platform/testing';
import { compileSchedulerConfig } from './config';
import { type Launcher, type WorkerExit } from './launcher';
import { LeaderLease } from './leader-lease';
import { SchedulerModule } from './scheduler.module';

class IdleLauncher implements Launcher {
  async launch(_job: JobRecord, _gpus: readonly GpuAddress[]): Promise<{ handle: string }> {
    return { handle: 'test' };
  }
  adopt(): boolean {
    return false;
  }
  stop(): void {}
  onExit(_listener: (exit: WorkerExit) => void): void {}
  async close(): Promise<void> {}
}

/** The scheduler process itself against a real nats-server; the test plays the other holder of the lease. */
describe('a leader whose lease another holder takes', () => {
  let dir: string;
  let app: INestApplicationContext;
  let resources: JetStreamResources;
  after(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const nats = useNatsServer('leader-step-down');

  /** Whether a scheduler answers a command within `timeoutMs`. */
  async function answers(timeoutMs = 400): Promise<boolean> {
    try {
      const msg = await nats.nc.request(SchedulerSubjects.list, JSON.stringify({ caller: { role: 'tutor', name: 't' }, states: [], pageSize: 1 }), { timeout: timeoutMs });
      return msg.json<Reply<ListReply>>().ok;
    } catch {
      return false;
    }
  }

  async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`timed out waiting for ${what}`);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpulab-step-down-'));
    const tokensFile = join(dir, 'tokens.json');
    writeFileSync(tokensFile, JSON.stringify({ tutor: 'x', teams: { alpha: 'a' } }));
    resources = await openJetStreamResources(nats.nc);
    const config = compileSchedulerConfig({ natsUrl: nats.server.url, termStart: new Date().toISOString().slice(0, 10), timeZone: 'UTC', tokensFile, logLevel: 'silent', leaderLease: '1s' });
    app = await NestFactory.createApplicationContext(SchedulerModule.forConfig(config, undefined, new IdleLauncher()), { logger: false });
    await app.init();
  });

  it('stops answering once another holder writes the lease, and leads again when that lease expires', async () => {
    assert.equal(await answers(2000), true, 'the leader answers');
    const current = await resources.calendar.get('leader');
    assert.ok(current);
    const takenUntil = Date.now() + 2500;
    await resources.calendar.update('leader', JSON.stringify({ holder: 'scheduler-elsewhere', expiresAt: takenUntil }), current.revision);
    // Its next renewal (a third of the lease) meets the other holder's revision.
    await until('the leader to step down', async () => !(await answers(150)), 3000);
    assert.ok(Date.now() < takenUntil, 'it stepped down while the other lease held');
    await until('it to lead again', () => answers(300), 10_000);
    assert.ok(Date.now() >= takenUntil, 'not before the other lease expired');
    const lease = (await resources.calendar.get('leader'))?.json<{ holder: string }>();
    assert.match(lease?.holder ?? '', /^scheduler-/);
    assert.notEqual(lease?.holder, 'scheduler-elsewhere');
  });
});

describe('a leader whose nats-server restarts or stalls', () => {
  let dir: string;
  let app: INestApplicationContext | undefined;
  let server: NatsServerProcess | undefined;
  let client: NatsConnection | undefined;
  after(async () => {
    await app?.close();
    await client?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps its lease through a restart or a stall shorter than the lease, and answers after it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpulab-lease-restart-'));
    const storeDir = join(dir, 'store');
    const port = await freePort();
    server = await NatsServerProcess.start({ storeDir, port });
    const tokensFile = join(dir, 'tokens.json');
    writeFileSync(tokensFile, JSON.stringify({ tutor: 'x', teams: { alpha: 'a' } }));
    client = await connectNats({ url: server.url, name: 'test' });
    await openJetStreamResources(client);
    const config = compileSchedulerConfig({ natsUrl: server.url, termStart: new Date().toISOString().slice(0, 10), timeZone: 'UTC', tokensFile, logLevel: 'silent', leaderLease: '3s' });
    app = await NestFactory.createApplicationContext(SchedulerModule.forConfig(config, undefined, new IdleLauncher()), { logger: false });
    await app.init();
    const losses: string[] = [];
    app.get(LeaderLease).onLost((reason) => losses.push(reason));
    const nc = client;
    const answers = async () =>
      nc.request(SchedulerSubjects.list, JSON.stringify({ caller: { role: 'tutor', name: 't' }, states: [], pageSize: 1 }), { timeout: 1000 }).then(
        (m) => m.json<Reply<ListReply>>().ok,
        () => false,
      );
    assert.equal(await answers(), true);
    await server.close();
    server = await NatsServerProcess.start({ storeDir, port });
    const deadline = Date.now() + 15_000;
    while (!(await answers())) {
      assert.ok(Date.now() < deadline, 'the scheduler did not answer after nats-server came back');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Frozen for over a renewal period (a renewal may time out and is asked again), well within the lease.
    const pid = server.pid;
    assert.ok(pid);
    process.kill(pid, 'SIGSTOP');
    await new Promise((r) => setTimeout(r, 1200));
    process.kill(pid, 'SIGCONT');
    // A few renewals later, still the leader that never let go.
    await new Promise((r) => setTimeout(r, 2500));
    assert.deepEqual(losses, []);
    assert.equal(await answers(), true);
  });
});

import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { type Caller, type Reply, SchedulerSubjects, type SlotView } from '@gpulab/contracts';
import { connectNats, NatsServerProcess, openJetStreamResources } from '@gpulab/platform';
import { type Clock, compileSchedulerConfig, SchedulerModule, SchedulerService } from '@gpulab/scheduler';
import { ReportingLauncher } from '@gpulab/scheduler/testing';
import { dayDate } from '@gpulab/scheduling';
import { fullTermCalendar } from './term-replay';

export interface ServiceReplayResult {
  /** Jobs started while measuring. */
  jobs: number;
  /** Jobs queued before the slots opened. */
  queued: number;
  wallMs: number;
  submitMs: number;
  freeToStartMs: number[];
}

/** Submits `jobCount` jobs of the teams that hold slots on one day and runs them all through the scheduler. */
export async function replayThroughService(jobCount: number, runMs: number, measureLaunches = jobCount): Promise<ServiceReplayResult> {
  const dir = mkdtempSync(join(tmpdir(), 'gpulab-bench-'));
  const nats = await NatsServerProcess.start({ storeDir: join(dir, 'nats') });
  const nc = await connectNats({ url: nats.url, name: 'bench' });
  const { js } = await openJetStreamResources(nc);
  const calendar = fullTermCalendar();
  const day = 3;
  // The term is booked on its first day, then the clock moves to a day in the middle.
  let nowMs = Date.parse(`${calendar.term.start}T08:00:00Z`);
  const clock: Clock = { now: () => new Date(nowMs) };
  const tokensFile = join(dir, 'tokens.json');
  writeFileSync(tokensFile, JSON.stringify({ tutor: 't', teams: Object.fromEntries(calendar.teams.map((t) => [t, t])) }));
  const config = compileSchedulerConfig({ natsUrl: nats.url, termStart: calendar.term.start, timeZone: 'UTC', tokensFile, logLevel: 'error' });
  const launcher = new ReportingLauncher(js, runMs);
  const app = await NestFactory.createApplicationContext(SchedulerModule.forConfig(config, clock, launcher), { logger: false });
  await app.init();
  const request = async <T>(subject: string, body: unknown): Promise<T> => {
    const reply = (await nc.request(subject, JSON.stringify(body), { timeout: 30_000 })).json<Reply<T>>();
    if (!reply.ok) throw new Error(reply.error.message);
    return reply.value;
  };
  try {
    const tutor: Caller = { role: 'tutor', name: 'tutor' };
    for (const b of calendar.bookings) {
      await request<SlotView>(SchedulerSubjects.book, { caller: tutor, kind: b.kind, startDate: dayDate(calendar.term, b.startDay), server: b.server, team: b.team });
    }
    // Queue every job first (their teams' slots have not begun), then let the day begin: the
    // latencies are measured with the whole queue waiting.
    const activeTeams = calendar.bookings.filter((b) => day >= b.startDay && day < b.startDay + b.days).map((b) => b.team);
    const submitStarted = performance.now();
    for (let i = 0; i < jobCount; i++) {
      const team = activeTeams[i % activeTeams.length];
      await request(SchedulerSubjects.submit, {
        caller: { role: 'member', team, name: team },
        jobId: `j-bench-${i}`,
        kind: 'pca',
        params: {},
        input: { source: 'none' },
        gpus: 1,
        priority: false,
        preemptible: false,
      });
    }
    const submitMs = performance.now() - submitStarted;
    nowMs = Date.parse(`${dayDate(calendar.term, day)}T00:00:01Z`);
    const started = performance.now();
    await app.get(SchedulerService).wake();
    // Done when `measureLaunches` jobs have been started (by then the rest still wait in the queue).
    while (launcher.launches.length < measureLaunches) await new Promise((r) => setTimeout(r, 100));
    const ran = launcher.launches.length;
    return { jobs: ran, queued: jobCount, wallMs: performance.now() - started, submitMs, freeToStartMs: launcher.freeToStartMs };
  } finally {
    await app.close();
    await nc.close();
    await nats.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

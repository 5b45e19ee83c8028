#!/usr/bin/env node
/**
 * `npm run bench:system`: the whole system under submissions. A real nats-server, scheduler and
 * gateway (the local stack) with real worker processes; clients submit `noop` jobs through the
 * gateway with the tutor's token, so they run on GPUs no slot holds. Measured with none and with
 * `--queued` member jobs already waiting (spread over 8 teams' members, none of which has a slot,
 * so they stay queued): submissions accepted per second and their latency, submit → scheduled and
 * scheduled → running with a free GPU, GPU freed → next job running with jobs queued behind busy
 * GPUs, completed jobs per second, and the scheduler's CPU time per submission. Appends one JSON
 * line per run to bench/results/system.jsonl.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalStack } from '@gpulab/local-stack';
import { GpulabClient, type JobView } from '@gpulab/sdk';
import { percentile, printMarkdownTable } from './stats';

const TEAMS = 8;
const MEMBERS = 6;
const TUTOR_TOKEN = 'system-bench-tutor-token';
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** The run's parameters; `--quick` takes the smaller figures. */
interface Params {
  clients: number;
  queuedLevels: number[];
  submitSeconds: number;
  probes: number;
  burstPerGpu: number;
  gpuLayout: string;
}

function params(): Params {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      clients: { type: 'string' },
      queued: { type: 'string' },
      seconds: { type: 'string' },
      gpus: { type: 'string' },
    },
  });
  const quick = values.quick === true;
  const count = (raw: string | undefined, fallback: number, name: string) => {
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: "${raw}" is not a whole number of 0 or more`);
    return n;
  };
  return {
    clients: Math.max(1, count(values.clients, 16, 'clients')),
    queuedLevels: [0, count(values.queued, quick ? 1000 : 10_000, 'queued')],
    submitSeconds: Math.max(1, count(values.seconds, quick ? 3 : 10, 'seconds')),
    probes: quick ? 8 : 20,
    burstPerGpu: quick ? 5 : 10,
    gpuLayout: values.gpus ?? '4,2,2',
  };
}

/** What the stack runs with: no per-token rate limits and a queued-job cap above the queue we build. */
function stackEnv(p: Params): Record<string, string> {
  return {
    GPULAB_RL_SUBMIT_RATE: '0',
    GPULAB_RL_READ_RATE: '0',
    GPULAB_RL_ADMIN_RATE: '0',
    GPULAB_MAX_QUEUED_PER_TEAM: String(Math.max(5000, Math.ceil(Math.max(...p.queuedLevels) / TEAMS) * 2)),
    GPULAB_LOG_LEVEL: 'warn',
  };
}

interface LevelResult {
  queued: number;
  preloadSeconds: number;
  /** Member jobs accepted per second while the queue held its first fifth, and its last. */
  preloadFirstPerSecond: number;
  preloadLastPerSecond: number;
  submissionsPerSecond: number;
  submitMsP50: number;
  submitMsP99: number;
  /** Submissions refused or failed (a scheduler too busy to answer in time), in every phase. */
  submitErrors: number;
  submitToScheduledMsP50: number;
  submitToScheduledMsP99: number;
  scheduledToRunningMsP50: number;
  scheduledToRunningMsP99: number;
  freedToNextRunningMsP50: number;
  freedToNextRunningMsP99: number;
  freedToNextScheduledMsP50: number;
  freedToNextScheduledMsP99: number;
  completedPerSecond: number;
  schedulerCpuMsPerSubmission: number;
}

const ms = (a: Date | undefined, b: Date | undefined) => (a && b ? b.getTime() - a.getTime() : NaN);

async function ended(client: GpulabClient, id: string, timeoutMs = 120_000): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A scheduler too busy to answer in time is part of what is measured, not a reason to stop.
    const job = await client.getJob(id).catch(() => undefined);
    if (job && TERMINAL.has(job.state)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} did not end within ${timeoutMs / 1000} s (it is ${job?.state ?? 'unreadable'})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The scheduler's user + system CPU time so far, in ms (fields 14 and 15 of /proc/PID/stat). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS;
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * `total` member jobs that wait for their team's slot, spread over every team's members; returns
 * when each was accepted (ms since the start), so the rate into a short queue and into a long
 * one can be told apart.
 */
async function preload(members: GpulabClient[], total: number, concurrency: number): Promise<number[]> {
  let next = 0;
  const started = performance.now();
  const acceptedAt: number[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) {
        await (members[i % members.length] as GpulabClient).submitJob({ kind: 'pca', input: { dataset: 'seed-example' }, params: { components: 1 } });
        acceptedAt.push(performance.now() - started);
      }
    }),
  );
  return acceptedAt.sort((a, b) => a - b);
}

/** Jobs accepted per second over the `share` of `acceptedAt` at its start or at its end. */
function rateOver(acceptedAt: readonly number[], share: number, at: 'first' | 'last'): number {
  const n = Math.floor(acceptedAt.length * share);
  if (n < 2) return NaN;
  const [from, to] = at === 'first' ? [0, acceptedAt[n - 1] as number] : [acceptedAt[acceptedAt.length - n - 1] as number, acceptedAt[acceptedAt.length - 1] as number];
  return (n * 1000) / Math.max(to - from, 1);
}

async function runLevel(p: Params, queued: number): Promise<LevelResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gpulab-system-bench-'));
  writeFileSync(join(dataDir, 'tokens.json'), JSON.stringify({ tutor: TUTOR_TOKEN, teams: {} }), { mode: 0o600 });
  const stack = await LocalStack.start({ dataDir, port: 0, gpuLayout: p.gpuLayout, env: stackEnv(p) });
  const tutor = stack.client(TUTOR_TOKEN);
  const clients = Array.from({ length: p.clients }, () => new GpulabClient({ address: stack.address, token: TUTOR_TOKEN }));
  const members: GpulabClient[] = [];
  try {
    for (let t = 1; t <= TEAMS; t++) {
      await tutor.createTeam(`team-${t}`);
      for (let m = 1; m <= MEMBERS; m++) members.push(new GpulabClient({ address: stack.address, token: (await tutor.addMember(`team-${t}`, `member-${m}`)).token }));
    }
    const preloadStarted = performance.now();
    const acceptedAt = await preload(members, queued, p.clients);
    const preloadSeconds = (performance.now() - preloadStarted) / 1000;
    console.log(`  ${queued} member jobs queued in ${preloadSeconds.toFixed(1)} s`);

    // One job at a time, so each finds a free GPU.
    const probes: JobView[] = [];
    for (let i = 0; i < p.probes; i++) {
      const reply = await tutor.submitJob({ kind: 'noop' }).catch(() => undefined);
      if (reply) probes.push(await ended(tutor, reply.job.id));
    }
    const submitToScheduled = probes.map((j) => ms(j.createdAt, j.scheduledAt));
    const scheduledToRunning = probes.map((j) => ms(j.scheduledAt, j.startedAt));

    // A burst queued behind busy GPUs: each GPU freed by a completion is taken by the next job.
    const gpus = p.gpuLayout.split(',').reduce((n, g) => n + Number(g), 0);
    let burstErrors = 0;
    const burst = await Promise.all(
      Array.from({ length: gpus * p.burstPerGpu }, (_, i) =>
        (clients[i % clients.length] as GpulabClient).submitJob({ kind: 'noop' }).catch(() => void burstErrors++),
      ),
    );
    const done = await Promise.all(burst.flatMap((reply) => (reply ? [ended(tutor, reply.job.id, 600_000)] : [])));
    const byGpu = new Map<string, JobView[]>();
    for (const job of done) {
      const gpu = job.assignedGpus[0];
      if (!gpu || job.state !== 'SUCCEEDED') continue;
      const key = `${gpu.server}:${gpu.index}`;
      byGpu.set(key, [...(byGpu.get(key) ?? []), job]);
    }
    const freedToRunning: number[] = [];
    const freedToScheduled: number[] = [];
    for (const jobs of byGpu.values()) {
      jobs.sort((a, b) => (a.scheduledAt?.getTime() ?? 0) - (b.scheduledAt?.getTime() ?? 0));
      for (let i = 1; i < jobs.length; i++) {
        const previous = jobs[i - 1] as JobView;
        const job = jobs[i] as JobView;
        freedToScheduled.push(ms(previous.finishedAt, job.scheduledAt));
        freedToRunning.push(ms(previous.finishedAt, job.startedAt));
      }
    }
    const firstScheduled = Math.min(...done.map((j) => j.scheduledAt?.getTime() ?? Infinity));
    const lastFinished = Math.max(...done.map((j) => j.finishedAt?.getTime() ?? 0));
    const completedPerSecond = done.filter((j) => j.state === 'SUCCEEDED').length / ((lastFinished - firstScheduled) / 1000);

    // Submissions from every client for a fixed time; the scheduler's CPU time is read around it.
    const schedulerPid = stack.servicePid('scheduler');
    if (schedulerPid === undefined) throw new Error('the stack runs no scheduler');
    const cpuBefore = cpuMs(schedulerPid);
    const latencies: number[] = [];
    let errors = 0;
    const until = performance.now() + p.submitSeconds * 1000;
    const started = performance.now();
    await Promise.all(
      clients.map(async (client) => {
        while (performance.now() < until) {
          const t0 = performance.now();
          try {
            await client.submitJob({ kind: 'noop' });
            latencies.push(performance.now() - t0);
          } catch {
            errors++;
          }
        }
      }),
    );
    const elapsedSeconds = (performance.now() - started) / 1000;
    const cpuUsed = cpuMs(schedulerPid) - cpuBefore;
    return {
      queued,
      preloadSeconds,
      preloadFirstPerSecond: rateOver(acceptedAt, 0.2, 'first'),
      preloadLastPerSecond: rateOver(acceptedAt, 0.2, 'last'),
      submissionsPerSecond: latencies.length / elapsedSeconds,
      submitMsP50: percentile(latencies, 50),
      submitMsP99: percentile(latencies, 99),
      submitErrors: errors + burstErrors,
      submitToScheduledMsP50: percentile(submitToScheduled, 50),
      submitToScheduledMsP99: percentile(submitToScheduled, 99),
      scheduledToRunningMsP50: percentile(scheduledToRunning, 50),
      scheduledToRunningMsP99: percentile(scheduledToRunning, 99),
      freedToNextScheduledMsP50: percentile(freedToScheduled, 50),
      freedToNextScheduledMsP99: percentile(freedToScheduled, 99),
      freedToNextRunningMsP50: percentile(freedToRunning, 50),
      freedToNextRunningMsP99: percentile(freedToRunning, 99),
      completedPerSecond,
      schedulerCpuMsPerSubmission: cpuUsed / Math.max(1, latencies.length),
    };
  } finally {
    for (const client of [...clients, ...members]) client.close();
    tutor.close();
    // The backlog the submissions left goes with the stack.
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function commit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const p = params();
  const env = stackEnv(p);
  console.log('system bench: a local stack (nats-server, scheduler, gateway, worker processes) per queue length');
  printMarkdownTable(
    ['parameter', 'value'],
    [
      ['clients', String(p.clients)],
      ['jobs queued before measuring', p.queuedLevels.join(' and ')],
      ['submission phase', `${p.submitSeconds} s per queue length`],
      ['free-GPU probes', `${p.probes} noop jobs, one at a time`],
      ['queued-behind-busy-GPUs burst', `${p.burstPerGpu} noop jobs per GPU`],
      ['GPU layout', p.gpuLayout],
      ['queued member jobs', `pca on seed-example, ${TEAMS} teams × ${MEMBERS} members, no slots`],
      ['stack settings', Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')],
    ],
  );
  const results: LevelResult[] = [];
  for (const queued of p.queuedLevels) {
    console.log(`\nwith ${queued} jobs queued`);
    results.push(await runLevel(p, queued));
  }
  const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
  const row = (name: string, value: (r: LevelResult) => string): string[] => [name, ...results.map(value)];
  console.log('');
  printMarkdownTable(
    ['measure', ...results.map((r) => `${r.queued} queued`)],
    [
      row('submissions/s accepted', (r) => f(r.submissionsPerSecond)),
      row('submit latency p50 / p99 ms', (r) => `${f(r.submitMsP50)} / ${f(r.submitMsP99)}`),
      row('submissions refused or failed', (r) => String(r.submitErrors)),
      row('submit → scheduled, free GPU, p50 / p99 ms', (r) => `${f(r.submitToScheduledMsP50)} / ${f(r.submitToScheduledMsP99)}`),
      row('scheduled → running (worker started), p50 / p99 ms', (r) => `${f(r.scheduledToRunningMsP50)} / ${f(r.scheduledToRunningMsP99)}`),
      row('GPU freed → next scheduled, p50 / p99 ms', (r) => `${f(r.freedToNextScheduledMsP50)} / ${f(r.freedToNextScheduledMsP99)}`),
      row('GPU freed → next running, p50 / p99 ms', (r) => `${f(r.freedToNextRunningMsP50)} / ${f(r.freedToNextRunningMsP99)}`),
      row('completed jobs/s (burst behind busy GPUs)', (r) => f(r.completedPerSecond)),
      row('scheduler CPU ms per submission', (r) => f(r.schedulerCpuMsPerSubmission, 2)),
      row('queued member jobs submitted/s while preloading (no worker starts)', (r) => (r.queued > 0 ? f(r.queued / r.preloadSeconds) : '–')),
      row('  of them: into the queue’s first fifth / its last fifth (ratio)', (r) =>
        r.queued > 0 ? `${f(r.preloadFirstPerSecond)} / ${f(r.preloadLastPerSecond)} (${f(r.preloadLastPerSecond / r.preloadFirstPerSecond, 2)})` : '–',
      ),
      row('preloading the queue took s', (r) => f(r.preloadSeconds)),
    ],
  );
  const dir = join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const line = { time: new Date().toISOString(), commit: commit(), params: p, settings: env, results };
  appendFileSync(join(dir, 'system.jsonl'), `${JSON.stringify(line)}\n`);
  console.log(`\nappended to ${join(dir, 'system.jsonl')}`);
}

main().catch((error: unknown) => {
  console.error(`system bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

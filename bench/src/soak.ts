#!/usr/bin/env node
/**
 * `npm run bench:soak`: load with faults. 8 teams × 6 members submit, watch, upload and download
 * at a steady rate for 60 s (GPULAB_SOAK_SECONDS) while a worker, the scheduler and nats-server
 * are each killed -9 once; then every accepted job must end exactly once and every upload must
 * read back with its checksum. Prints what was served, errors by status and latencies.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStack } from '@gpulab/local-stack';
import { GpulabClient, GpulabError } from '@gpulab/sdk';
import { percentile, printMarkdownTable, printTable, seeded } from './stats';

const TEAMS = 8;
const MEMBERS = 6;
const SECONDS = Number(process.env.GPULAB_SOAK_SECONDS) || 60;
/** Each member acts about this often. */
const ACT_EVERY_MS = 2000;
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

interface Sample {
  action: string;
  ms: number;
  status: string;
}

const samples: Sample[] = [];
const submitted: { id: string; token: string }[] = [];
const uploaded: { id: string; sha256: string; token: string }[] = [];

async function timed<T>(action: string, work: () => Promise<T>): Promise<T | undefined> {
  const started = performance.now();
  try {
    const value = await work();
    samples.push({ action, ms: performance.now() - started, status: 'OK' });
    return value;
  } catch (error) {
    samples.push({ action, ms: performance.now() - started, status: error instanceof GpulabError ? error.code : 'client error' });
    return undefined;
  }
}

/** Pids of worker processes started by this stack (found by their environment). */
function workerPids(dataDir: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (env.includes(`GPULAB_DATA_DIR=${dataDir}`) && env.some((v) => v.startsWith('GPULAB_JOB_ID='))) out.push(Number(entry));
    } catch {
      // gone, or not ours
    }
  }
  return out;
}

async function member(client: GpulabClient, token: string, csv: string, csvSha: string, random: () => number, until: number, outDir: string): Promise<void> {
  const mine: string[] = [];
  await new Promise((r) => setTimeout(r, random() * ACT_EVERY_MS));
  while (Date.now() < until) {
    const roll = random();
    if (roll < 0.3) {
      const reply = await timed('submit', () => client.submitJob({ kind: 'pca', input: { dataset: 'seed-example' }, params: { components: 1 }, preemptible: true }));
      if (reply) {
        submitted.push({ id: reply.job.id, token });
        mine.push(reply.job.id);
      }
    } else if (roll < 0.45 && mine.length > 0) {
      const id = mine[Math.floor(random() * mine.length)] as string;
      await timed('watch (first event)', async () => {
        for await (const event of client.watchJob(id)) return event;
        return undefined;
      });
    } else if (roll < 0.55) {
      const artifact = await timed('upload', () => client.upload(Buffer.from(csv), { filename: 'soak.csv' }));
      if (artifact) uploaded.push({ id: artifact.id, sha256: csvSha, token });
    } else if (roll < 0.65 && mine.length > 0) {
      const id = mine[Math.floor(random() * mine.length)] as string;
      const job = await timed('get', () => client.getJob(id));
      if (job?.state === 'SUCCEEDED') await timed('download', () => client.downloadResult(id, join(outDir, id)));
    } else {
      await timed('list', () => client.listJobs({ pageSize: 20 }));
    }
    await new Promise((r) => setTimeout(r, ACT_EVERY_MS * (0.5 + random())));
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gpulab-soak-'));
  const outDir = join(dataDir, 'downloads');
  // Teams a tutor creates, each with its members' own tokens (rate limits are per member).
  writeFileSync(join(dataDir, 'tokens.json'), JSON.stringify({ tutor: 'soak-tutor-token', teams: {} }), { mode: 0o600 });
  const stack = await LocalStack.start({ dataDir, port: 0, env: { GPULAB_HEARTBEAT_INTERVAL: '500ms', GPULAB_HEARTBEAT_TIMEOUT: '5s' } });
  const tutor = stack.client('soak-tutor-token');
  const tokens: string[] = [];
  for (let t = 1; t <= TEAMS; t++) {
    await tutor.createTeam(`team-${t}`);
    for (let m = 1; m <= MEMBERS; m++) tokens.push((await tutor.addMember(`team-${t}`, `member-${m}`)).token);
  }
  const csv = Array.from({ length: 200 }, (_, i) => `${i % 7},${(i * 13) % 11},${(i * 3) % 5}`).join('\n') + '\n';
  const csvSha = createHash('sha256').update(csv).digest('hex');
  const started = Date.now();
  const until = started + SECONDS * 1000;
  const faults: string[] = [];
  const at = (fraction: number, what: string, fault: () => Promise<void>) =>
    new Promise<void>((resolve) =>
      setTimeout(() => {
        const t = ((Date.now() - started) / 1000).toFixed(1);
        void fault().then(
          () => (faults.push(`${t} s: ${what}`), resolve()),
          (error: unknown) => (faults.push(`${t} s: ${what} failed: ${(error as Error).message}`), resolve()),
        );
      }, SECONDS * 1000 * fraction),
    );
  const clients = tokens.map((token) => new GpulabClient({ address: stack.address, token }));
  console.log(`soak: ${TEAMS} teams × ${MEMBERS} members for ${SECONDS} s against ${stack.address}; data in ${dataDir}`);
  await Promise.all([
    ...clients.map((client, i) => member(client, tokens[i] as string, csv, csvSha, seeded(i + 1), until, outDir)),
    at(0.25, 'a worker killed -9', async () => {
      const [pid] = workerPids(dataDir);
      if (pid === undefined) throw new Error('no worker was running');
      process.kill(pid, 'SIGKILL');
    }),
    at(0.5, 'the scheduler killed -9 (the stack starts it again)', async () => {
      const pid = stack.servicePid('scheduler');
      if (pid === undefined) throw new Error('no scheduler was running');
      process.kill(pid, 'SIGKILL');
    }),
    at(0.75, 'nats-server killed -9 and started again', () => stack.restartNats('kill')),
  ]);

  // Every accepted job ends, exactly once: its history holds one terminal state.
  const drainUntil = Date.now() + 180_000;
  const endings = new Map<string, number>();
  for (const { id } of submitted) {
    const client = tutor;
    for (;;) {
      const job = await client.getJob(id).catch(() => undefined);
      if (job && TERMINAL.has(job.state)) break;
      if (Date.now() > drainUntil) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    let terminal = 0;
    try {
      for await (const event of tutor.watchJob(id, AbortSignal.timeout(10_000))) if (event.type === 'state' && TERMINAL.has(event.state)) terminal++;
    } catch {
      // Counted as not ended: the table says how many.
    }
    endings.set(id, terminal);
  }
  let checksumsOk = 0;
  for (const upload of uploaded) if ((await tutor.getArtifact(upload.id).catch(() => undefined))?.sha256 === upload.sha256) checksumsOk++;

  const byAction = new Map<string, Sample[]>();
  for (const s of samples) byAction.set(s.action, [...(byAction.get(s.action) ?? []), s]);
  console.log('\nrequests by action');
  printMarkdownTable(
    ['action', 'served', 'errors', 'p50 ms', 'p99 ms'],
    [...byAction].map(([action, list]) => {
      const ok = list.filter((s) => s.status === 'OK');
      return [action, String(ok.length), String(list.length - ok.length), percentile(ok.map((s) => s.ms), 50).toFixed(1), percentile(ok.map((s) => s.ms), 99).toFixed(1)];
    }),
  );
  const errors = new Map<string, number>();
  for (const s of samples) if (s.status !== 'OK') errors.set(s.status, (errors.get(s.status) ?? 0) + 1);
  console.log('\nerrors by status');
  printMarkdownTable(['status', 'count'], errors.size ? [...errors].map(([k, v]) => [k, String(v)]) : [['none', '0']]);
  const endedOnce = [...endings.values()].filter((n) => n === 1).length;
  printTable('outcome', [
    ['faults', faults.join('; ')],
    ['requests', String(samples.length)],
    ['jobs accepted', String(submitted.length)],
    ['jobs that ended exactly once', `${endedOnce} of ${submitted.length}`],
    ['jobs that ended more than once', String([...endings.values()].filter((n) => n > 1).length)],
    ['jobs not ended (or not readable) at the end', String([...endings.values()].filter((n) => n === 0).length)],
    ['uploads that read back with their checksum', `${checksumsOk} of ${uploaded.length}`],
  ]);
  for (const client of clients) client.close();
  tutor.close();
  await stack.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (endedOnce !== submitted.length || checksumsOk !== uploaded.length) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(`soak: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

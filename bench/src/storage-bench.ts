/**
 * The gateway's memory for large inputs: a local stack (nats-server, scheduler, gateway as
 * processes), a fresh gateway per scenario, its resident set sampled every 10 ms from /proc.
 * Prints one row per scenario: the file's size, the gateway's peak RSS, the time, the outcome.
 *
 *   npm run storage -w @gpulab/bench            (GPULAB_BENCH_SCENARIOS=csv-refused,inline to pick)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStack } from '@gpulab/local-stack';
import { type GpulabClient, GpulabError } from '@gpulab/sdk';

const MB = 1024 * 1024;

/** A CSV of about `bytes` bytes: 10 columns of numbers with `digits` decimals, no header. */
function csvOf(bytes: number, digits: number): Buffer {
  const cell = (i: number) => (i % 97 / 97).toFixed(digits);
  const rows: string[] = [];
  for (let r = 0; r < 1000; r++) rows.push(Array.from({ length: 10 }, (_, j) => cell(r * 10 + j)).join(','));
  const block = Buffer.from(rows.join('\n') + '\n');
  const out = Buffer.allocUnsafe(Math.floor(bytes / block.length) * block.length);
  for (let at = 0; at < out.length; at += block.length) block.copy(out, at);
  return out;
}

function rssKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : 0;
}

interface Scenario {
  name: string;
  /** GPULAB_TEAM_STORAGE_MB for it. */
  limitMB: number;
  run(clients: GpulabClient[]): Promise<{ fileBytes: number; outcome: string }>;
}

const outcomeOf = (error: unknown) => (error instanceof GpulabError ? `${error.code}: ${error.message.slice(0, 90)}…` : String(error));

const SCENARIOS: Scenario[] = [
  {
    name: 'csv-refused',
    limitMB: 512,
    // 2-character cells: 134 M numbers, 1 GB as a matrix, more than the 512 MB limit allows.
    run: async ([client]) => {
      const data = csvOf(256 * MB, 0);
      const outcome = await client.upload(data, { filename: 'big.csv' }).then(
        (a) => `stored ${a.rows} × ${a.cols}`,
        outcomeOf,
      );
      return { fileBytes: data.length, outcome };
    },
  },
  {
    name: 'csv-stored',
    limitMB: 2048,
    // 7-character cells: 32 M numbers, 256 MB as a matrix, which fits.
    run: async ([client]) => {
      const data = csvOf(256 * MB, 5);
      const outcome = await client.upload(data, { filename: 'big.csv' }).then(
        (a) => `stored ${a.rows} × ${a.cols} (${(a.storedBytes / MB).toFixed(0)} MB)`,
        outcomeOf,
      );
      return { fileBytes: data.length, outcome };
    },
  },
  {
    name: 'inline',
    limitMB: 4096,
    run: async ([client]) => {
      const data = csvOf(60 * MB, 3);
      const outcome = await client.submitJob({ kind: 'pca', input: { csv: data, filename: 'inline.csv' } }).then(
        (r) => `submitted ${r.job.id}`,
        outcomeOf,
      );
      return { fileBytes: data.length, outcome };
    },
  },
  {
    name: 'inline-4-at-once',
    limitMB: 4096,
    run: async (clients) => {
      const data = csvOf(60 * MB, 3);
      const results = await Promise.all(clients.map((c) => c.submitJob({ kind: 'pca', input: { csv: data, filename: 'inline.csv' } }).then(() => 'submitted', outcomeOf)));
      const counts = new Map<string, number>();
      for (const r of results) counts.set(r, (counts.get(r) ?? 0) + 1);
      return { fileBytes: data.length * clients.length, outcome: [...counts].map(([r, n]) => `${n}× ${r}`).join('; ') };
    },
  },
];

async function runScenario(scenario: Scenario): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gpulab-storage-bench-'));
  const stack = await LocalStack.start({ dataDir: join(dir, 'data'), port: 0, env: { GPULAB_TEAM_STORAGE_MB: String(scenario.limitMB), GPULAB_SCHEDULER_TIMEOUT: '60s' } });
  const teams = ['demo', 'demo', 'demo', 'demo'];
  const clients = teams.map(() => stack.client(stack.tokens.teams.demo));
  try {
    // A fresh gateway: its peak RSS is this scenario's alone.
    await stack.killService('gateway');
    const pid = stack.startService('gateway').pid as number;
    for (let i = 0; ; i++) {
      try {
        await clients[0].listArtifacts();
        break;
      } catch (error) {
        if (i > 100) throw error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const baseKiB = rssKiB(pid, 'VmRSS');
    let peakKiB = baseKiB;
    const sampler = setInterval(() => {
      try {
        peakKiB = Math.max(peakKiB, rssKiB(pid, 'VmRSS'));
      } catch {
        // the gateway died: its last sample stands
      }
    }, 10);
    const started = Date.now();
    const { fileBytes, outcome } = await scenario.run(clients);
    const seconds = (Date.now() - started) / 1000;
    clearInterval(sampler);
    let hwm = peakKiB;
    try {
      hwm = Math.max(hwm, rssKiB(pid, 'VmHWM'));
    } catch {
      // gone
    }
    return [scenario.name, `${(fileBytes / MB).toFixed(0)} MB`, `${(baseKiB / 1024).toFixed(0)} MB`, `${(hwm / 1024).toFixed(0)} MB`, `${seconds.toFixed(1)} s`, outcome];
  } finally {
    for (const c of clients) c.close();
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const wanted = process.env.GPULAB_BENCH_SCENARIOS?.split(',').map((s) => s.trim());
  const rows = [['SCENARIO', 'FILE', 'RSS AT START', 'PEAK RSS', 'TIME', 'OUTCOME']];
  for (const scenario of SCENARIOS.filter((s) => !wanted || wanted.includes(s.name))) {
    process.stderr.write(`running ${scenario.name}…\n`);
    rows.push(await runScenario(scenario));
  }
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  for (const row of rows) process.stdout.write(`${row.map((c, j) => (j === row.length - 1 ? c : c.padEnd(widths[j]))).join('  ')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type GpulabClient, GpulabError } from '@gpulab/sdk';
import { runCliInProcess } from './cli-runner';
import { teamSuiteStack } from './course-stack';
import { tempDir } from './temp-dir';

const TOKENS = { tutor: 'tutor-token', teams: { demo: 'demo-token', other: 'other-token' } };
const DOWNLOADS = 1000;
const CLIENTS = 4;
/** How much the gateway's resident memory may grow while the downloads run. */
const MEMORY_GROWTH_LIMIT_BYTES = 192 * 1024 * 1024;
/** Codes that say "not now" with a sentence: what a flood may be answered. */
const BUSY_CODES = new Set(['RESOURCE_EXHAUSTED', 'UNAVAILABLE']);

/** The gateway's resident memory, from /proc (Linux). */
function residentBytes(pid: number): number {
  const line = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return line ? Number(line[1]) * 1024 : 0;
}

/** Samples `pid`'s resident memory every 50 ms until stopped; the peak is returned. */
function memoryPeak(pid: number): { stop(): number } {
  let peak = residentBytes(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, residentBytes(pid));
    } catch {
      // the process is gone: the test's own check says so
    }
  }, 50);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

/**
 * The files a failed run job kept, attacked through the real stack: a flood of downloads by its
 * own team, another team asking for them, and ids that try to climb out of the job's objects.
 * The upload bucket (where downloads count) is unlimited here so that every call reaches the
 * streaming itself, the worst case for the gateway's memory.
 */
describe("run jobs: a failed job's kept files under attack", () => {
  const dir = tempDir('e2e-kept-files-attack');
  const scratch = join(dir.path, 'scratch');
  const model = randomBytes(128 * 1024);
  const team = teamSuiteStack(dir, TOKENS, 'demo', {
    prepare: () => {
      mkdirSync(scratch, { recursive: true });
      writeFileSync(join(scratch, 'model.bin'), model);
    },
    booked: ['demo'],
    env: { GPULAB_WORK_DIR: join(dir.path, 'work'), GPULAB_EXIT_SETTLE: '200ms', GPULAB_RL_UPLOAD_RATE: '0' },
  });
  const expected: Record<string, Buffer> = { 'model.bin': model, 'train.log': Buffer.from('epoch 3: loss nan\n'), 'empty.txt': Buffer.alloc(0) };
  let jobId = '';

  const failedJob = async (): Promise<string> => {
    if (jobId) return jobId;
    const script = [`cp ${join(scratch, 'model.bin')} "$GPULAB_OUTPUTS/model.bin"`, 'echo "epoch 3: loss nan" > "$GPULAB_OUTPUTS/train.log"', ': > "$GPULAB_OUTPUTS/empty.txt"', 'exit 3'].join('; ');
    const { job } = await team.client.submitJob({ kind: 'run', params: { command: ['sh', '-c', script] } });
    const done = await team.client.waitForJob(job.id);
    assert.equal(done.state, 'FAILED');
    jobId = job.id;
    return jobId;
  };

  /** Whether `out` holds exactly the kept files with their bytes (and the result). */
  const holdsKeptFiles = (out: string): boolean => {
    const names = readdirSync(out).sort();
    if (names.join(',') !== ['empty.txt', 'model.bin', 'result.json', 'train.log'].join(',')) return false;
    return Object.entries(expected).every(([name, bytes]) => readFileSync(join(out, name)).equals(bytes));
  };

  it(`${DOWNLOADS} concurrent downloads by the team each get every byte or a clear "not now", and the gateway stays up with bounded memory`, async () => {
    const id = await failedJob();
    const gateway = team.stack.servicePid('gateway');
    assert.ok(gateway, 'the gateway runs');
    const clients: GpulabClient[] = Array.from({ length: CLIENTS }, () => team.stack.client(TOKENS.teams.demo));
    const baseline = residentBytes(gateway);
    const sampler = memoryPeak(gateway);
    const started = performance.now();
    let ok = 0;
    const busy = new Map<string, number>();
    const wrong: string[] = [];
    try {
      await Promise.all(
        Array.from({ length: DOWNLOADS }, async (_, i) => {
          const out = join(dir.path, 'flood', String(i));
          try {
            await clients[i % CLIENTS].downloadResult(id, out);
            if (holdsKeptFiles(out)) ok++;
            else wrong.push(`${i}: wrong files ${readdirSync(out).join(',')}`);
          } catch (error) {
            const e = error instanceof GpulabError ? error : undefined;
            if (e && BUSY_CODES.has(e.code) && /\w+ \w+/.test(e.message)) busy.set(`${e.code}: ${e.message}`, (busy.get(`${e.code}: ${e.message}`) ?? 0) + 1);
            else wrong.push(`${i}: ${e ? `${e.code} ${e.message}` : String(error)}`);
          } finally {
            rmSync(out, { recursive: true, force: true });
          }
        }),
      );
    } finally {
      for (const c of clients) c.close();
    }
    const peak = sampler.stop();
    const seconds = (performance.now() - started) / 1000;
    const summary = `${ok} ok, ${[...busy.values()].reduce((a, b) => a + b, 0)} refused in ${seconds.toFixed(1)} s; gateway memory ${(baseline / 2 ** 20).toFixed(0)} → peak ${(peak / 2 ** 20).toFixed(0)} MiB`;
    console.log(`kept-files flood: ${summary}; refusals: ${JSON.stringify([...busy.entries()].slice(0, 5))}`);
    assert.deepEqual(wrong.slice(0, 10), [], summary);
    assert.ok(ok > 0, `some downloads get through: ${summary}`);
    assert.equal(team.stack.servicePid('gateway'), gateway, 'the gateway did not crash or restart');
    assert.ok(peak - baseline < MEMORY_GROWTH_LIMIT_BYTES, summary);

    // And it still serves: the CLI downloads the same files once the flood is over.
    const out = join(dir.path, 'after-flood');
    const download = await runCliInProcess(['result', id, '--out', out], team.cliEnv);
    assert.equal(download.code, 0, download.stderr);
    assert.ok(holdsKeptFiles(out), readdirSync(out).join(','));
  });

  it('another team is refused the kept files by the SDK and the CLI, with PERMISSION_DENIED, and gets no byte of them', async () => {
    const id = await failedJob();
    const other = team.stack.client(TOKENS.teams.other);
    try {
      const out = join(dir.path, 'other-sdk');
      const refused = (e: unknown) => e instanceof GpulabError && e.code === 'PERMISSION_DENIED' && /another team/.test(e.message);
      await assert.rejects(other.downloadResult(id, out), refused);
      await assert.rejects(other.readResult(id), refused);
      // Many at once: none slips through.
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => assert.rejects(other.downloadResult(id, join(dir.path, 'other-many', String(i))), refused)),
      );
      for (const folder of [out, ...Array.from({ length: 50 }, (_, i) => join(dir.path, 'other-many', String(i)))]) {
        assert.deepEqual(existsSync(folder) ? readdirSync(folder) : [], [], `${folder} stays empty`);
      }
    } finally {
      other.close();
    }
    const cli = await runCliInProcess(['result', id, '--out', join(dir.path, 'other-cli')], { GPULAB_ADDR: team.stack.address, GPULAB_TOKEN: TOKENS.teams.other });
    assert.equal(cli.code, 2, cli.stderr);
    assert.match(cli.stderr, /belongs to another team \(PERMISSION_DENIED\)/);
    assert.equal(existsSync(join(dir.path, 'other-cli', 'model.bin')), false);
  });

  it('an id with ../ in it is refused as INVALID_ARGUMENT before any job or object is looked up, and writes nothing', async () => {
    const id = await failedJob();
    for (const bad of ['../jobs', `${id}/../${id}`, `${id}/..`, `../${id}`, `${id}/../../result.json`, '..', `${id}%2f..%2f`]) {
      const out = join(dir.path, 'climb', String(bad.length));
      await assert.rejects(team.client.downloadResult(bad, out), (e: unknown) => e instanceof GpulabError && e.code === 'INVALID_ARGUMENT' && /is not a job id/.test(e.message), bad);
      const cli = await runCliInProcess(['result', bad, '--out', out], team.cliEnv);
      assert.equal(cli.code, 2, `${bad}: ${cli.stderr}`);
      assert.match(cli.stderr, /is not a job id/, bad);
      assert.deepEqual(existsSync(out) ? readdirSync(out) : [], [], `${bad} wrote nothing`);
    }
  });
});

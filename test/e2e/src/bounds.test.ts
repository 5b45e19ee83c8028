import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GpulabError } from '@gpulab/sdk';
import { type LocalStack } from '@gpulab/local-stack';
import { runCli } from './cli-runner';
import { startCourseStack } from './course-stack';
import { tempDir } from './temp-dir';
import { eventually } from './worker-processes';

// Each team its own token, so each limit is met by one team while the others go on.
const TOKENS = {
  tutor: 'tutor-token',
  teams: { files: 'files-token', flood: 'flood-token', calm: 'calm-token', queued: 'queued-token', watcher: 'watcher-token', echo: 'echo-token' },
};
type Team = keyof typeof TOKENS.teams;

/** A header row of about 100 KB and nothing else: the message that names the header must stay small. */
const HEADER_ONLY_CSV = Array.from({ length: 12_000 }, (_, i) => `column_${i}`).join(',') + '\n';

async function refusal(work: Promise<unknown>): Promise<GpulabError> {
  try {
    await work;
  } catch (error) {
    assert.ok(error instanceof GpulabError, String(error));
    return error;
  }
  assert.fail('the call was answered, not refused');
}

describe('every input has a bound', () => {
  const dir = tempDir('bounds');
  let stack: LocalStack;
  const env = (team: Team) => ({ GPULAB_ADDR: stack.address, GPULAB_TOKEN: TOKENS.teams[team] });

  before(async () => {
    stack = await startCourseStack(dir.path, TOKENS, {
      // Low limits so that a test meets them in a few calls; the defaults are far higher.
      env: {
        GPULAB_RL_SUBMIT_RATE: '1',
        GPULAB_RL_SUBMIT_BURST: '8',
        GPULAB_RL_UNAUTHENTICATED_RATE: '1',
        GPULAB_RL_UNAUTHENTICATED_BURST: '5',
        GPULAB_MAX_QUEUED_PER_TEAM: '3',
        GPULAB_MAX_WATCHES_PER_TOKEN: '3',
      },
      // No slot for the other teams: their jobs stay QUEUED, which is what the caps count.
      booked: ['files'],
    });
  });

  after(async () => {
    await stack?.close();
    dir.remove();
  });

  it('answers a 100 KB header row with INVALID_ARGUMENT at once through the CLI, for submit and upload', async () => {
    assert.ok(HEADER_ONLY_CSV.length > 100_000);
    const file = join(dir.path, 'header-only.csv');
    writeFileSync(file, HEADER_ONLY_CSV);
    const logBefore = statSync(join(stack.logDir, 'gateway.log')).size;
    for (const args of [['submit', 'pca', '--input', file], ['upload', file]]) {
      const started = performance.now();
      const run = await runCli(args, env('files'));
      const seconds = (performance.now() - started) / 1000;
      assert.notEqual(run.code, 0, run.stdout);
      assert.match(run.stderr, /header row .*… \(\d{3},\d{3} characters\).*INVALID_ARGUMENT/s, run.stderr);
      assert.ok(run.stderr.length < 2000, `${args[0]} printed ${run.stderr.length} characters`);
      // A second for the gateway's answer, plus the CLI's own start.
      assert.ok(seconds < 5, `${args[0]} took ${seconds.toFixed(1)} s`);
    }
    const grown = statSync(join(stack.logDir, 'gateway.log')).size - logBefore;
    assert.ok(grown < 20_000, `the gateway's log grew by ${grown} bytes for two refusals`);
  });

  it('cuts a huge job kind or parameter echoed in a refusal to a short excerpt', async () => {
    const client = stack.client(TOKENS.teams.echo);
    try {
      const kind = await refusal(client.submitJob({ kind: 'k'.repeat(100_000) }));
      assert.equal(kind.code, 'INVALID_ARGUMENT');
      assert.match(kind.message, /there is no job kind "k{80}…" \(100,000 characters\)/);
      const param = await refusal(client.submitJob({ kind: 'pca', input: { dataset: 'seed-example' }, params: { components: '9'.repeat(50_000) + 'x' } }));
      assert.equal(param.code, 'INVALID_ARGUMENT');
      assert.match(param.message, /\(50,001 characters\)/);
      assert.ok(param.message.length < 400, param.message);
      const name = await refusal(client.submitJob({ kind: 'pca', input: { csv: 'a,b\n1,x\n', filename: 'n'.repeat(1_000_000) + '.csv' } }));
      assert.equal(name.code, 'INVALID_ARGUMENT');
      assert.ok(name.message.length < 400, name.message.slice(0, 400));
    } finally {
      client.close();
    }
  });

  it('refuses a flooding token with RESOURCE_EXHAUSTED while another team stays answered', async () => {
    const flood = stack.client(TOKENS.teams.flood);
    const calm = stack.client(TOKENS.teams.calm);
    try {
      const outcomes = await Promise.all(Array.from({ length: 14 }, () => flood.cancelJob('j-01jd0000000000000000000000').then(() => 'OK', (e: GpulabError) => e)));
      const limited = outcomes.filter((o): o is GpulabError => o instanceof GpulabError && o.code === 'RESOURCE_EXHAUSTED');
      assert.ok(limited.length >= 2, `refused: ${outcomes.map((o) => (o instanceof GpulabError ? o.code : o)).join(', ')}`);
      assert.match(limited[0].message, /too many submissions and changes from this token: 1 per second \(bursts of 8\); try again in \d+\.\d s/);
      // The other calls got their ordinary answer: the job does not exist.
      assert.ok(outcomes.some((o) => o instanceof GpulabError && o.code === 'NOT_FOUND'));
      const started = performance.now();
      for (let i = 0; i < 5; i++) await calm.listJobs();
      assert.ok(performance.now() - started < 2000, 'another team is answered at once');
      await eventually('the bucket to refill', async () => {
        const again = await flood.cancelJob('j-01jd0000000000000000000000').catch((e: GpulabError) => e);
        return (again as GpulabError).code === 'NOT_FOUND' || undefined;
      }, 5000);
    } finally {
      flood.close();
      calm.close();
    }
  });

  it('holds back an address whose calls keep failing to authenticate, while valid tokens from it are still answered', async () => {
    const bad = stack.client('not-a-token');
    const calm = stack.client(TOKENS.teams.calm);
    try {
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => bad.listJobs().then(() => 'OK', (e: GpulabError) => e)));
      const codes = outcomes.map((o) => (o instanceof GpulabError ? o.code : o));
      assert.equal(codes.filter((c) => c === 'UNAUTHENTICATED').length, 5, codes.join(', '));
      const limited = outcomes.filter((o): o is GpulabError => o instanceof GpulabError && o.code === 'RESOURCE_EXHAUSTED');
      assert.equal(limited.length, 5, codes.join(', '));
      assert.match(limited[0].message, /too many calls without a valid token from this address: 1 per second \(bursts of 5\); try again in \d+\.\d s/);
      // The same address, a valid token: answered while the bad one is held back.
      await calm.listJobs();
      assert.equal((await refusal(bad.listJobs())).code, 'RESOURCE_EXHAUSTED');
      await eventually('the address to be let in again', async () => ((await refusal(bad.listJobs())).code === 'UNAUTHENTICATED' ? true : undefined), 5000);
    } finally {
      bad.close();
      calm.close();
    }
  });

  it('refuses a team more unfinished jobs than GPULAB_MAX_QUEUED_PER_TEAM', async () => {
    const client = stack.client(TOKENS.teams.queued);
    try {
      const jobs = [];
      for (let i = 0; i < 3; i++) jobs.push((await client.submitJob({ kind: 'pca', input: { dataset: 'seed-example' } })).job);
      const refused = await refusal(client.submitJob({ kind: 'pca', input: { dataset: 'seed-example' } }));
      assert.equal(refused.code, 'RESOURCE_EXHAUSTED');
      assert.match(refused.message, /team queued has 3 jobs that have not ended, the most a team may have \(GPULAB_MAX_QUEUED_PER_TEAM\)/);
      await client.cancelJob(jobs[0].id);
      const accepted = await client.submitJob({ kind: 'pca', input: { dataset: 'seed-example' } });
      assert.equal(accepted.job.state, 'QUEUED', 'an ended job makes room');
    } finally {
      client.close();
    }
  });

  it('refuses a token more open WatchJob streams than GPULAB_MAX_WATCHES_PER_TOKEN', async () => {
    const client = stack.client(TOKENS.teams.watcher);
    const controllers: AbortController[] = [];
    try {
      const { job } = await client.submitJob({ kind: 'pca', input: { dataset: 'seed-example' } });
      const open = async () => {
        const controller = new AbortController();
        controllers.push(controller);
        const watch = client.watchJob(job.id, controller.signal);
        await watch.next();
        return controller;
      };
      const first = await open();
      await open();
      await open();
      const refused = await refusal(open());
      assert.equal(refused.code, 'RESOURCE_EXHAUSTED');
      assert.match(refused.message, /this token has 3 WatchJob streams open, the most one token may have/);
      const other = stack.client(TOKENS.teams.calm);
      try {
        assert.equal((await other.listJobs()).jobs.length, 0, 'other tokens are not held back');
      } finally {
        other.close();
      }
      first.abort();
      await eventually('a closed watch to free its place', () => open().then(() => true, () => undefined), 5000);
    } finally {
      for (const c of controllers) c.abort();
      client.close();
    }
  });
});

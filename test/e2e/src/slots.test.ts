import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStack } from '@gpulab/local-stack';
import { GpulabError } from '@gpulab/sdk';
import { runCli } from './cli-runner';
import { tempDir } from './temp-dir';
import { eventually } from './worker-processes';

const TOKENS = { tutor: 'tutor-token', teams: { alpha: 'alpha-token', beta: 'beta-token', gamma: 'gamma-token' } };

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

describe('slots: booking, quotas and admission through the CLI', () => {
  const dir = tempDir('slots');
  let stack: LocalStack;
  let today = '';
  const as = (team: keyof typeof TOKENS.teams | 'tutor') => ({ GPULAB_ADDR: stack.address, GPULAB_TOKEN: team === 'tutor' ? TOKENS.tutor : TOKENS.teams[team] });
  const cli = async (team: keyof typeof TOKENS.teams | 'tutor', args: string[]) => runCli(args, as(team));
  const ok = async (team: keyof typeof TOKENS.teams | 'tutor', args: string[]) => {
    const run = await cli(team, [...args, '--json']);
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    return JSON.parse(run.stdout);
  };
  const refused = async (team: keyof typeof TOKENS.teams | 'tutor', args: string[], code: string, message: RegExp) => {
    const run = await cli(team, args);
    assert.equal(run.code, 2, `${args.join(' ')} should be refused: ${run.stdout}`);
    assert.match(run.stderr, new RegExp(`\\(${code}\\)`));
    assert.match(run.stderr, message);
  };

  before(async () => {
    mkdirSync(join(dir.path, 'data'), { recursive: true });
    writeFileSync(join(dir.path, 'data', 'tokens.json'), JSON.stringify(TOKENS), { mode: 0o600 });
    stack = await LocalStack.start({ dataDir: join(dir.path, 'data'), port: 0 });
    today = (await ok('alpha', ['slots'])).term.today;
  });

  after(async () => {
    await stack?.close();
    dir.remove();
  });

  it("holds a team's job until its slot and says when and where it will run", async () => {
    const slot = await ok('alpha', ['slots', 'book', '--kind', 'experiment', '--start', addDays(today, 2), '--server', 's2']);
    assert.deepEqual([slot.server, slot.gpus, slot.days], ['s2', [0, 1], 3]);
    const run = await cli('alpha', ['submit', 'pca', '--dataset', 'seed-example']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`note: waiting for your experiment slot that starts ${addDays(today, 2)} 00:00 UTC on s2 GPUs 0,1`));
    const job = await ok('alpha', ['get', run.stdout.trim()]);
    assert.equal(job.state, 'QUEUED');
  });

  it('draws the calendar to a PNG', async () => {
    const file = join(dir.path, 'calendar.png');
    const run = await cli('alpha', ['slots', '--png', file]);
    assert.equal(run.code, 0, run.stderr);
    const bytes = readFileSync(file);
    assert.deepEqual([...bytes.subarray(1, 4)], [...Buffer.from('PNG')]);
    assert.ok(bytes.length > 2000);
  });

  it('runs a job at once inside an active slot', async () => {
    await ok('beta', ['slots', 'book', '--kind', 'setup', '--start', 'today']);
    const job = await ok('beta', ['submit', 'pca', '--dataset', 'seed-example', '--wait']);
    assert.equal(job.state, 'SUCCEEDED');
    const calendar = await ok('beta', ['slots']);
    const mine = calendar.slots.find((s: { team: string }) => s.team === 'beta');
    assert.equal(job.assignedGpus[0].server, mine.server);
    assert.ok(mine.gpus.includes(job.assignedGpus[0].index));
  });

  it('runs a preemptible job of a team without a slot on idle GPUs and counts its GPU-hours', async () => {
    const job = await ok('gamma', ['submit', 'pca', '--dataset', 'seed-example', '--preemptible', '--wait']);
    assert.equal(job.state, 'SUCCEEDED');
    const quota = await ok('gamma', ['quota']);
    assert.ok(quota.teams[0].backfillGpuHours > 0);
    const usage = await ok('gamma', ['usage']);
    assert.equal(usage.rows.length, 1);
    assert.equal(usage.rows[0].date, today);
    assert.ok(usage.rows[0].gpuHours > 0 && usage.rows[0].backfillGpuHours === usage.rows[0].gpuHours);
    await refused('gamma', ['usage', '--team', 'alpha'], 'PERMISSION_DENIED', /only your own team's usage/);
  });

  it('refuses at submission a team job that no slot can hold, and says how it could run', async () => {
    await refused('beta', ['submit', 'pca', '--dataset', 'seed-example', '--gpus', '3'], 'INVALID_ARGUMENT', /at most the 2 GPUs of its slot, not 3; with --preemptible it may run on 3 idle GPUs/);
    await refused('beta', ['submit', 'pca', '--dataset', 'seed-example', '--gpus', '5', '--preemptible'], 'INVALID_ARGUMENT', /at most 4 GPUs \(all on one server\)/);
  });

  it('refuses bookings that break a rule and names the rule', async () => {
    await refused('alpha', ['slots', 'book', '--kind', 'setup', '--start', addDays(today, -1)], 'INVALID_ARGUMENT', /is in the past/);
    await refused('alpha', ['slots', 'book', '--kind', 'setup', '--start', addDays(today, 40)], 'INVALID_ARGUMENT', /does not fit in the term/);
    await refused('alpha', ['slots', 'book', '--kind', 'setup', '--start', addDays(today, 3)], 'FAILED_PRECONDITION', /already holds a experiment slot|already holds an? experiment slot/);
    await refused('alpha', ['slots', 'book', '--kind', 'setup', '--start', today, '--server', 's9'], 'INVALID_ARGUMENT', /no server "s9"/);
    await refused('alpha', ['slots', 'book', '--kind', 'setup', '--start', '2026-02-30'], 'INVALID_ARGUMENT', /"2026-02-30" is not a date: February 2026 has days 01 to 28/);
    await refused('gamma', ['slots', 'book', '--kind', 'setup', '--start', addDays(today, 2), '--server', 's2'], 'FAILED_PRECONDITION', /s2 has no 2 free GPUs.*are free from/);
    await refused('alpha', ['slots', 'book', '--kind', 'setup', '--start', today, '--team', 'beta'], 'PERMISSION_DENIED', /you act for team alpha/);
  });

  it('refuses a fifth experiment slot (quota) and gives the quota back on cancel', async () => {
    const ids: string[] = [];
    for (const offset of [6, 10, 14]) ids.push((await ok('alpha', ['slots', 'book', '--kind', 'experiment', '--start', addDays(today, offset)])).id);
    await refused('alpha', ['slots', 'book', '--kind', 'experiment', '--start', addDays(today, 18)], 'FAILED_PRECONDITION', /all of its 4 experiment slots/);
    assert.equal((await ok('alpha', ['quota'])).teams[0].kinds.experiment.remaining, 0);
    await ok('alpha', ['slots', 'cancel', ids[2]]);
    assert.equal((await ok('alpha', ['quota'])).teams[0].kinds.experiment.remaining, 1);
  });

  it('lets tutors move a slot that has not started, under the booking rules', async () => {
    const slot = await ok('tutor', ['slots', 'book', '--kind', 'setup', '--start', addDays(today, 21), '--team', 'gamma']);
    const moved = await ok('tutor', ['slots', 'move', slot.id, '--start', addDays(today, 22)]);
    assert.equal(moved.startDate, addDays(today, 22));
    await refused('gamma', ['slots', 'move', slot.id, '--start', addDays(today, 23)], 'PERMISSION_DENIED', /only tutors/);
    await refused('tutor', ['slots', 'move', slot.id, '--start', addDays(today, -3)], 'INVALID_ARGUMENT', /is in the past/);
    await ok('tutor', ['slots', 'cancel', slot.id]);
  });

  it("refuses to cancel another team's slot or one that has started", async () => {
    const calendar = await ok('tutor', ['slots']);
    const betas = calendar.slots.find((s: { team: string }) => s.team === 'beta');
    await refused('alpha', ['slots', 'cancel', betas.id], 'PERMISSION_DENIED', /another team/);
    await refused('beta', ['slots', 'cancel', betas.id], 'FAILED_PRECONDITION', /only slots that have not started/);
  });

  it('gives tutors a feasibility report with a complete suggestion, and only tutors', async () => {
    const report = await ok('tutor', ['admin', 'feasibility']);
    assert.equal(report.verdict, 'feasible');
    assert.ok(report.suggestion.length > 0);
    await refused('alpha', ['admin', 'feasibility'], 'PERMISSION_DENIED', /only tutors/);
    const quota = await ok('tutor', ['admin', 'quota', 'gamma', 'setup', '3']);
    assert.equal(quota.kinds.setup.quota, 3);
  });

  it('moves slots off a GPU marked broken, and lists those it cannot move', async () => {
    // alpha's experiment slot from today+2 is on s2 GPUs 0,1; with s2:1 broken it must move.
    const result = await ok('tutor', ['admin', 'gpu', 'broken', 's2:1']);
    assert.deepEqual(result.servers.find((s: { name: string }) => s.name === 's2').brokenGpus, [1]);
    assert.ok(result.moved.some((m: { team: string; startDate: string }) => m.team === 'alpha' && m.startDate === addDays(today, 2)));
    assert.ok(result.moved.every((m: { server: string }) => m.server !== 's2'));
    assert.deepEqual(result.stranded, []);
    const after = await ok('tutor', ['slots']);
    assert.ok(after.slots.every((s: { server: string; startDate: string }) => s.server !== 's2' || s.startDate < today));
    await refused('gamma', ['slots', 'book', '--kind', 'setup', '--start', addDays(today, 20), '--server', 's2'], 'FAILED_PRECONDITION', /s2 has no 2 free GPUs/);
    const notices = await ok('alpha', ['notices']);
    assert.match(notices.notices[0].message, /moved from s2 GPUs 0,1 to .*a GPU was taken out of service/);
    assert.deepEqual((await ok('beta', ['notices'])).notices.filter((n: { message: string }) => /slot/.test(n.message) && /alpha/.test(n.message)), []);
    const repaired = await ok('tutor', ['admin', 'gpu', 'repaired', 's2:1']);
    assert.deepEqual(repaired.servers.find((s: { name: string }) => s.name === 's2').brokenGpus, []);
    await refused('tutor', ['admin', 'gpu', 'broken', 's2:7'], 'INVALID_ARGUMENT', /s2 has GPUs 0 to 1, not 7/);
  });

  it('adds a server, refuses to remove one that still has slots, and drains one', async () => {
    const added = await ok('tutor', ['admin', 'servers', 'add', 's4', '2']);
    assert.ok(added.servers.some((s: { name: string; gpus: number }) => s.name === 's4' && s.gpus === 2));
    const calendar = await ok('tutor', ['slots']);
    const used = calendar.slots.find((s: { startDate: string }) => s.startDate >= today).server;
    await refused('tutor', ['admin', 'servers', 'remove', used], 'FAILED_PRECONDITION', /drain it and move its slots first/);
    await ok('tutor', ['admin', 'servers', 'remove', 's4']);
    const drained = await ok('tutor', ['admin', 'drain', 's3']);
    assert.equal(drained.servers.find((s: { name: string }) => s.name === 's3').drained, true);
    await ok('tutor', ['admin', 'drain', 's3', '--undo']);
    await refused('alpha', ['admin', 'drain', 's3'], 'PERMISSION_DENIED', /only tutors/);
  });

  it('lets tutors create teams and members whose tokens work until removed', async () => {
    await ok('tutor', ['admin', 'teams', 'create', 'delta']);
    await refused('tutor', ['admin', 'teams', 'create', 'delta'], 'ALREADY_EXISTS', /exists already/);
    await refused('tutor', ['admin', 'teams', 'create', 'Bad Name'], 'INVALID_ARGUMENT', /not a team name/);
    const added = await ok('tutor', ['admin', 'members', 'add', 'delta', 'ada']);
    const asAda = { GPULAB_ADDR: stack.address, GPULAB_TOKEN: added.token };
    const slot = await runCli(['slots', 'book', '--kind', 'setup', '--start', addDays(today, 25), '--json'], asAda);
    assert.equal(slot.code, 0, slot.stderr);
    assert.equal(JSON.parse(slot.stdout).team, 'delta');
    const list = await ok('tutor', ['admin', 'teams']);
    assert.deepEqual(list.teams.find((t: { name: string }) => t.name === 'delta').members, ['ada']);
    await ok('tutor', ['admin', 'members', 'remove', 'delta', 'ada']);
    await new Promise((r) => setTimeout(r, 5200)); // the gateway trusts a looked-up token for 5 s
    const after = await runCli(['quota'], asAda);
    assert.equal(after.code, 2);
    assert.match(after.stderr, /UNAUTHENTICATED/);
    await refused('alpha', ['admin', 'teams', 'create', 'epsilon'], 'PERMISSION_DENIED', /only tutors/);
  });

  it('keeps every slot when the scheduler is killed and started again', async () => {
    const before = (await ok('tutor', ['slots'])).slots.map((s: { id: string }) => s.id).sort();
    await stack.killService('scheduler');
    stack.startService('scheduler');
    const client = stack.client(TOKENS.tutor);
    try {
      const calendar = await eventually('the scheduler to answer', () => client.getCalendar().catch((e: unknown) => (e instanceof GpulabError ? undefined : Promise.reject(e))));
      assert.deepEqual(calendar.slots.map((s) => s.id).sort(), before);
    } finally {
      client.close();
    }
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStack } from '@gpulab/local-stack';
import { GpulabError } from '@gpulab/sdk';
import { runCli } from './cli-runner';
import { tempDir } from './temp-dir';

const TOKENS = { tutor: 'tutor-token', teams: { alpha: 'alpha-token', beta: 'beta-token' } };
type Who = keyof typeof TOKENS.teams | 'tutor';

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

describe('reasons as data: refusals and waiting jobs carry codes a script can branch on', () => {
  const dir = tempDir('reasons');
  let stack: LocalStack;
  let today = '';
  const cli = (who: Who, args: string[]) => runCli(args, { GPULAB_ADDR: stack.address, GPULAB_TOKEN: who === 'tutor' ? TOKENS.tutor : TOKENS.teams[who] });
  const ok = async (who: Who, args: string[]) => {
    const run = await cli(who, [...args, '--json']);
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    return JSON.parse(run.stdout);
  };
  /** The refusal as `--json` prints it, after checking the exit status and the sentence on stderr. */
  const refusedJson = async (who: Who, args: string[]) => {
    const run = await cli(who, [...args, '--json']);
    assert.equal(run.code, 2, `${args.join(' ')} should be refused: ${run.stdout}`);
    assert.match(run.stderr, /^error: .+ \([A-Z_]+\)$/m);
    return JSON.parse(run.stdout) as { code: string; reason: string; message: string; metadata: Record<string, string> };
  };

  before(async () => {
    mkdirSync(join(dir.path, 'data'), { recursive: true });
    writeFileSync(join(dir.path, 'data', 'tokens.json'), JSON.stringify(TOKENS), { mode: 0o600 });
    stack = await LocalStack.start({ dataDir: join(dir.path, 'data'), port: 0 });
    today = (await ok('alpha', ['slots'])).term.today;
    await ok('alpha', ['slots', 'book', '--kind', 'experiment', '--start', addDays(today, 2), '--server', 's2']);
  });

  after(async () => {
    await stack?.close();
    dir.remove();
  });

  it('when a team books a slot over its own, the SDK error says SLOT_OVERLAP and names the team', async () => {
    const client = stack.client(TOKENS.teams.alpha);
    try {
      const error = await client.bookSlot({ kind: 'setup', start: addDays(today, 3) }).then(
        () => assert.fail('the overlapping booking was accepted'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof GpulabError, String(error));
      assert.deepEqual([error.code, error.reason, error.metadata.team], ['FAILED_PRECONDITION', 'SLOT_OVERLAP', 'alpha']);
      assert.match(error.message, /team alpha already holds a.* slot on s2/);
    } finally {
      client.close();
    }
  });

  it('when a team books a slot over its own, gpulab --json prints code, reason and the sentence', async () => {
    const refusal = await refusedJson('alpha', ['slots', 'book', '--kind', 'setup', '--start', addDays(today, 3)]);
    assert.deepEqual([refusal.code, refusal.reason], ['FAILED_PRECONDITION', 'SLOT_OVERLAP']);
    assert.match(refusal.message, /a team holds one slot at a time/);
  });

  it("when the team's quota is used up, the booking is refused with QUOTA_EXCEEDED", async () => {
    await ok('tutor', ['admin', 'quota', 'beta', 'setup', '0']);
    const refusal = await refusedJson('beta', ['slots', 'book', '--kind', 'setup', '--start', addDays(today, 1)]);
    assert.deepEqual([refusal.reason, refusal.metadata.team], ['QUOTA_EXCEEDED', 'beta']);
    assert.match(refusal.message, /has booked all of its 0 setup slots/);
  });

  it("a job that waits for its team's slot shows its code, start day and place in gpulab get --json, and REASON in gpulab jobs", async () => {
    const submitted = await ok('alpha', ['submit', 'pca', '--dataset', 'seed-example']);
    const job = await ok('alpha', ['get', submitted.id]);
    assert.equal(job.state, 'QUEUED');
    assert.equal(job.waiting.code, 'WAITING_FOR_SLOT');
    assert.equal(job.waiting.fromDay, addDays(today, 2));
    assert.equal(job.waitingReason, job.waiting.message);
    // The queue position comes with the scheduler's per-team queues; when known it is 1-based.
    if (job.waiting.position !== undefined) assert.equal(job.waiting.position, 1);
    assert.deepEqual(job.attempts, []);

    const human = await cli('alpha', ['get', submitted.id]);
    assert.match(human.stdout, /^waiting {2}WAITING_FOR_SLOT: waiting for your experiment slot/m);
    assert.doesNotMatch(human.stdout, /"(code|waiting|attempts)"/);

    const list = await cli('alpha', ['jobs']);
    assert.equal(list.code, 0, list.stderr);
    const [head, ...rows] = list.stdout.trim().split('\n').map((line) => line.split(/ {2,}/));
    assert.equal(head.at(-1), 'REASON');
    const row = rows.find((r) => r[0] === submitted.id);
    assert.equal(row?.at(-1), 'WAITING_FOR_SLOT');
  });

  it("another team's job is refused with OTHER_TEAM and the job as its subject", async () => {
    const submitted = await ok('alpha', ['submit', 'pca', '--dataset', 'seed-example']);
    const refusal = await refusedJson('beta', ['get', submitted.id]);
    assert.deepEqual([refusal.code, refusal.reason, refusal.metadata.job], ['PERMISSION_DENIED', 'OTHER_TEAM', submitted.id]);
  });
});

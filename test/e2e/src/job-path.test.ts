import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LocalStack } from '@gpulab/local-stack';
import { GpulabError } from '@gpulab/sdk';
import { runCli } from './cli-runner';
import { startCourseStack } from './course-stack';
import { tempDir } from './temp-dir';

const LECTURE_PROJECTION = [-0.828, 1.7776, -0.9922, -0.2742, -1.6758, -0.9129, 0.0991, 1.1446, 0.438, 1.2238];
const LECTURE_CSV = 'x,y\n2.5,2.4\n0.5,0.7\n2.2,2.9\n1.9,2.2\n3.1,3.0\n2.3,2.7\n2.0,1.6\n1.0,1.1\n1.5,1.6\n1.1,0.9\n';
const TOKENS = { tutor: 'tutor-token', teams: { demo: 'demo-token', other: 'other-token' } };

describe('one job travels gateway → scheduler → worker → NATS → client', () => {
  const dir = tempDir('e2e');
  let stack: LocalStack;
  let env: NodeJS.ProcessEnv;
  const file = (name: string, text: string) => {
    const path = join(dir.path, 'files', name);
    writeFileSync(path, text);
    return path;
  };

  before(async () => {
    mkdirSync(join(dir.path, 'files'), { recursive: true });
    // Team jobs run inside the team's slot: a tutor books today's setup slot for both teams.
    stack = await startCourseStack(dir.path, TOKENS);
    env = { GPULAB_ADDR: stack.address, GPULAB_TOKEN: TOKENS.teams.demo };
  });

  after(async () => {
    await stack?.close();
    dir.remove();
  });

  it("the CLI submits the lecture's table and gets its eigenvalues and 1-D projection", async () => {
    const run = await runCli(['submit', 'pca', '--input', file('lecture.csv', LECTURE_CSV), '--components', '1', '--wait', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines.length, 1, 'exactly one JSON object on stdout');
    const job = JSON.parse(lines[0]);
    assert.equal(job.kind, 'pca');
    assert.equal(job.state, 'SUCCEEDED');
    assert.equal(job.team, 'demo');
    assert.match(job.id, /^j-[0-9a-z]{26}$/);
    assert.equal(job.result.eigenvalues.length, 1);
    assert.ok(Math.abs(job.result.eigenvalues[0] - 1.2840277) < 1e-6);
    const projection = job.result.embedding.map((row: number[]) => row[0]);
    const sign = Math.sign(projection[1]) * Math.sign(LECTURE_PROJECTION[1]);
    projection.forEach((v: number, i: number) => assert.ok(Math.abs(sign * v - LECTURE_PROJECTION[i]) < 1e-4, `value ${i}: ${v}`));
    assert.ok(Math.abs(job.result.explainedVarianceRatio[0] - 1.2840277 / (1.2840277 + 0.0490834)) < 1e-6);
  });

  it('gives both eigenvalues of the built-in seed example through the SDK', async () => {
    const client = stack.client();
    try {
      const { job } = await client.submitJob({ kind: 'pca', input: { dataset: 'seed-example' }, params: { components: 2 } });
      const done = await client.waitForJob(job.id);
      assert.equal(done.state, 'SUCCEEDED');
      const eigenvalues = done.result?.eigenvalues as number[];
      assert.ok(Math.abs(eigenvalues[0] - 1.2840277) < 1e-6 && Math.abs(eigenvalues[1] - 0.0490834) < 1e-6);
      assert.equal(done.backend, 'cpu');
    } finally {
      client.close();
    }
  });

  it('replays the whole history to a watch started after the job finished', async () => {
    const client = stack.client();
    try {
      const { job } = await client.submitJob({ kind: 'pca', input: { dataset: 'seed-example' }, params: { components: 1 } });
      await client.waitForJob(job.id);
      const events = [];
      for await (const e of client.watchJob(job.id)) events.push(e);
      const states = events.filter((e) => e.type === 'state').map((e) => (e.type === 'state' ? e.state : ''));
      assert.deepEqual(states, ['QUEUED', 'SCHEDULED', 'RUNNING', 'SUCCEEDED']);
      assert.ok(events.some((e) => e.type === 'progress'));
      const result = events.find((e) => e.type === 'result');
      assert.ok(result && result.type === 'result' && Array.isArray(result.result.embedding));
      const sequences = events.map((e) => e.sequence);
      assert.deepEqual([...sequences].sort((a, b) => a - b), sequences, 'events arrive in order');
    } finally {
      client.close();
    }
  });

  describe('bad input gets the right status and a message that names the problem', () => {
    const refused = async (args: string[], code: string, message: RegExp, runEnv = env) => {
      const run = await runCli(args, runEnv);
      assert.equal(run.code, 2, `exit code for ${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, new RegExp(`\\(${code}\\)`));
      assert.match(run.stderr, message);
    };

    it('a ragged CSV names the row', () =>
      refused(['submit', 'pca', '--input', file('ragged.csv', 'x,y\n1,2\n3\n4,5\n')], 'INVALID_ARGUMENT', /ragged\.csv: .*row 3/));

    it('a non-numeric cell names row and column', () =>
      refused(['submit', 'pca', '--input', file('words.csv', '1,2\n3,abc\n5,6\n')], 'INVALID_ARGUMENT', /row 2, column 2/));

    it('an empty file says so', () => refused(['submit', 'pca', '--input', file('empty.csv', '')], 'INVALID_ARGUMENT', /empty/));

    it('too many components names both numbers', () =>
      refused(['submit', 'pca', '--input', file('two.csv', LECTURE_CSV), '--components', '3'], 'INVALID_ARGUMENT', /3.*only 2 features/));

    it('zero components is refused', () =>
      refused(['submit', 'pca', '--dataset', 'seed-example', '--set', 'components=0'], 'INVALID_ARGUMENT', /components must be between 1/));

    it('an unknown job kind lists the known ones', () =>
      refused(['submit', 'mystery', '--dataset', 'seed-example'], 'INVALID_ARGUMENT', /no job kind "mystery".*pca/));

    it('an unknown data set lists the built-in ones', () =>
      refused(['submit', 'pca', '--dataset', 'nope'], 'INVALID_ARGUMENT', /no data set "nope".*seed-example/));

    it('a missing token is UNAUTHENTICATED', () =>
      refused(['jobs'], 'UNAUTHENTICATED', /no token/, { GPULAB_ADDR: stack.address, GPULAB_DATA_DIR: join(dir.path, 'nowhere') }));

    it('a wrong token is UNAUTHENTICATED', () =>
      refused(['jobs'], 'UNAUTHENTICATED', /not valid/, { GPULAB_ADDR: stack.address, GPULAB_TOKEN: 'guess' }));

    it("another team's job is PERMISSION_DENIED for get and cancel", async () => {
      const other = stack.client(TOKENS.teams.other);
      try {
        const { job } = await other.submitJob({ kind: 'pca', input: { dataset: 'seed-example' } });
        await refused(['get', job.id], 'PERMISSION_DENIED', /another team/);
        await refused(['cancel', job.id], 'PERMISSION_DENIED', /another team/);
      } finally {
        other.close();
      }
    });

    it('an unknown job id is NOT_FOUND', () => refused(['get', 'j-00000000000000000000000000'], 'NOT_FOUND', /does not exist/));

    it('no refused submission leaves a job behind', async () => {
      const client = stack.client();
      try {
        const { jobs } = await client.listJobs({ pageSize: 500 });
        assert.ok(jobs.every((j) => j.state === 'SUCCEEDED'), JSON.stringify(jobs.map((j) => j.state)));
      } finally {
        client.close();
      }
    });
  });

  it('a team lists only its own jobs, a tutor all of them, newest first and paged', async () => {
    const demo = stack.client();
    const tutor = stack.client(TOKENS.tutor);
    try {
      const mine = await demo.listJobs({ pageSize: 500 });
      assert.ok(mine.jobs.length >= 3 && mine.jobs.every((j) => j.team === 'demo'));
      const all = await tutor.listJobs({ pageSize: 500 });
      assert.ok(all.jobs.some((j) => j.team === 'other'));
      const first = await tutor.listJobs({ pageSize: 2 });
      const second = await tutor.listJobs({ pageSize: 2, pageToken: first.nextPageToken });
      assert.deepEqual([...first.jobs, ...second.jobs].map((j) => j.id), all.jobs.slice(0, 4).map((j) => j.id));
      const onlyOther = await tutor.listJobs({ team: 'other' });
      assert.ok(onlyOther.jobs.length >= 1 && onlyOther.jobs.every((j) => j.team === 'other'));
      await assert.rejects(demo.listJobs({ team: 'other' }), (e: unknown) => e instanceof GpulabError && e.code === 'PERMISSION_DENIED');
    } finally {
      demo.close();
      tutor.close();
    }
  });
});

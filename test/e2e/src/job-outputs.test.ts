import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ObjectNames } from '@gpulab/contracts';
import { LocalStack } from '@gpulab/local-stack';
import { type GpulabClient, GpulabError } from '@gpulab/sdk';
import { runCli } from './cli-runner';
import { StoreInspector } from './store-inspector';
import { tempDir } from './temp-dir';
import { eventually } from './worker-processes';

const TOKENS = { tutor: 'tutor-token', teams: { demo: 'demo-token', other: 'other-token' } };

const refusedWith = (code: string, message: RegExp) => (e: unknown) => {
  assert.ok(e instanceof GpulabError, String(e));
  assert.equal(e.code, code, e.message);
  assert.match(e.message, message);
  return true;
};

async function startStack(dir: string, env: NodeJS.ProcessEnv = {}): Promise<LocalStack> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tokens.json'), JSON.stringify(TOKENS), { mode: 0o600 });
  return LocalStack.start({ dataDir: dir, port: 0, env });
}

/** A demo job that runs on idle GPUs (the team has no slot) and succeeds, with its result and files stored. */
async function succeededJob(client: GpulabClient): Promise<string> {
  const { job } = await client.submitJob({ kind: 'pca', input: { dataset: 'seed-example' }, params: { components: 2 }, preemptible: true });
  const done = await client.waitForJob(job.id);
  assert.equal(done.state, 'SUCCEEDED', done.reason);
  return job.id;
}

const outputBytes = async (client: GpulabClient) => (await client.listArtifacts()).usage[0]?.jobOutputBytes ?? 0;

describe('job outputs: deleted by their team, counted back, and reported to a later download', () => {
  const dir = tempDir('job-outputs');
  let stack: LocalStack;
  let demo: GpulabClient;
  let other: GpulabClient;
  let tutor: GpulabClient;
  let store: StoreInspector;

  before(async () => {
    // No retention here: only the members delete.
    stack = await startStack(join(dir.path, 'data'), { GPULAB_OUTPUT_RETENTION_DAYS: '0' });
    demo = stack.client(TOKENS.teams.demo);
    other = stack.client(TOKENS.teams.other);
    tutor = stack.client(TOKENS.tutor);
    store = await StoreInspector.open(stack.nats.url, stack.natsCreds('scheduler'));
  });

  after(async () => {
    for (const c of [demo, other, tutor]) c?.close();
    await store?.close();
    await stack?.close();
    dir.remove();
  });

  it("frees a finished job's result and files from the team's storage; asking again says they were already deleted", async () => {
    const id = await succeededJob(demo);
    const before = await outputBytes(demo);
    assert.ok(before > 0, 'the result and files count as job outputs');

    const deleted = await demo.deleteJobOutputs(id);
    assert.equal(deleted.alreadyDeleted, false);
    assert.ok(deleted.deletedFiles >= 2, `result.json and its files: ${deleted.deletedFiles}`);
    assert.equal(deleted.freedBytes, before);
    assert.equal(deleted.deletedBy, 'demo');
    assert.equal(deleted.usage?.jobOutputBytes, 0);
    assert.equal(await outputBytes(demo), 0);
    const result = await store.resources.artifacts.info(ObjectNames.result(id));
    assert.ok(result === null || result.deleted, 'result.json is gone from the Object Store');

    const again = await demo.deleteJobOutputs(id);
    assert.deepEqual([again.alreadyDeleted, again.deletedFiles, again.freedBytes, again.deletedAt], [true, 0, 0, deleted.deletedAt]);
  });

  it('a later download says the outputs were deleted, and the job itself can still be read', async () => {
    const id = await succeededJob(demo);
    await demo.deleteJobOutputs(id);
    await assert.rejects(demo.readResult(id), refusedWith('FAILED_PRECONDITION', new RegExp(`result and files of job ${id} were deleted on .* by demo`)));
    await assert.rejects(demo.downloadResult(id, join(dir.path, 'out')), refusedWith('FAILED_PRECONDITION', /were deleted/));
    const job = await demo.getJob(id);
    assert.equal(job.state, 'SUCCEEDED');
    const events = [];
    for await (const event of demo.watchJob(id)) events.push(event);
    assert.ok(events.length > 0, 'its history still replays');
  });

  it("refuses another team's job and a job that has not ended, and lets a tutor delete any team's", async () => {
    const id = await succeededJob(demo);
    await assert.rejects(other.deleteJobOutputs(id), refusedWith('PERMISSION_DENIED', /another team/));
    const { job: waiting } = await demo.submitJob({ kind: 'pca', input: { dataset: 'seed-example' }, params: { components: 1 } });
    await assert.rejects(demo.deleteJobOutputs(waiting.id), refusedWith('FAILED_PRECONDITION', /QUEUED: its outputs can be deleted once it has ended/));
    await demo.cancelJob(waiting.id);
    await assert.rejects(demo.deleteJobOutputs('../jobs'), refusedWith('INVALID_ARGUMENT', /is not a job id/));
    await assert.rejects(demo.deleteJobOutputs('j-00000000000000000000000000'), refusedWith('NOT_FOUND', /does not exist/));

    const byTutor = await tutor.deleteJobOutputs(id);
    assert.equal(byTutor.deletedBy, 'tutor');
    assert.equal(byTutor.usage?.team, 'demo');
  });

  it('the CLI deletes them with "gpulab outputs rm JOB" and shows the storage split after', async () => {
    const id = await succeededJob(demo);
    const before = await outputBytes(demo);
    const env = { GPULAB_ADDR: stack.address, GPULAB_TOKEN: TOKENS.teams.demo };
    const run = await runCli(['outputs', 'rm', id], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`deleted the outputs of ${id} \\(\\d+ files, .*\\); team demo: .* job outputs\\), .* free`));
    assert.ok((await outputBytes(demo)) < before, 'the space is given back');
    const again = await runCli(['outputs', 'rm', id], env);
    assert.match(again.stdout, /were already deleted/);
  });
});

describe('job outputs: deleted by the retention once their job ended long enough ago', () => {
  const dir = tempDir('job-outputs-retention');
  const RETENTION_S = 4;
  let stack: LocalStack;
  let demo: GpulabClient;

  before(async () => {
    stack = await startStack(join(dir.path, 'data'), { GPULAB_OUTPUT_RETENTION_DAYS: String(RETENTION_S / 86_400), GPULAB_OUTPUT_SWEEP_INTERVAL: '500ms' });
    demo = stack.client(TOKENS.teams.demo);
  });

  after(async () => {
    demo?.close();
    await stack?.close();
    dir.remove();
  });

  it('keeps them while the retention runs, then deletes them, says so to a download, and gives the space back', async () => {
    const id = await succeededJob(demo);
    const ended = Date.now();
    assert.ok((await outputBytes(demo)) > 0);
    await demo.readResult(id);
    await eventually(
      'the retention to delete the outputs',
      async () => ((await outputBytes(demo)) === 0 ? true : undefined),
      30_000,
    );
    assert.ok(Date.now() - ended >= (RETENTION_S - 1) * 1000, 'not before the retention ran out');
    await assert.rejects(demo.readResult(id), refusedWith('FAILED_PRECONDITION', /deleted on .* by the retention/));
    const again = await demo.deleteJobOutputs(id);
    assert.deepEqual([again.alreadyDeleted, again.deletedBy], [true, 'retention']);
  });
});

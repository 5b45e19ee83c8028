import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStack } from '@gpulab/local-stack';
import { type GpulabClient } from '@gpulab/sdk';
import { numericCsv } from './data-files';
import { tempDir } from './temp-dir';
import { eventually, SLOW_WORKERS, workerPids } from './worker-processes';

/**
 * nats-server holds every state; when it stops, gracefully or killed -9, and comes back on its
 * store, the services and a running worker reconnect on their own and nothing is lost.
 */
describe('nats-server restarted under a running stack', () => {
  const dir = tempDir('nats-restart');
  let stack: LocalStack;
  let client: GpulabClient;
  let running = '';
  let artifact = '';

  const stateOf = async (id: string) => (await client.getJob(id)).state;
  const submit = async () => (await client.submitJob({ kind: 'pca', input: { dataset: 'seed-example' } })).job.id;
  /** Answers again once every service is back on NATS. */
  const answering = () => eventually('the stack to answer again', () => client.listJobs({ pageSize: 1 }).catch(() => undefined), 30_000);

  before(async () => {
    stack = await LocalStack.start({
      dataDir: join(dir.path, 'data'),
      port: 0,
      gpuLayout: '2',
      env: SLOW_WORKERS,
    });
    client = stack.client(stack.tokens.tutor);
    running = await submit();
    await eventually(`${running} RUNNING`, async () => ((await stateOf(running)) === 'RUNNING' ? true : undefined));
    await client.createTeam('kept');
    const csv = join(dir.path, 'kept.csv');
    writeFileSync(csv, numericCsv(20_000));
    artifact = (await client.upload(csv)).id;
  });

  after(async () => {
    for (const pid of workerPids(running)) process.kill(pid, 'SIGKILL');
    client?.close();
    await stack?.close();
    dir.remove();
  });

  for (const how of ['kill', 'graceful'] as const) {
    it(`comes back after nats-server is ${how === 'kill' ? 'killed -9' : 'stopped'}: the running job, the team and the upload are all there, and new work runs`, async () => {
      await stack.restartNats(how);
      await answering();
      assert.equal(await stateOf(running), 'RUNNING');
      assert.equal(workerPids(running).length, 1, 'the worker kept running through the restart');
      assert.ok((await client.listTeams()).some((t) => t.name === 'kept'));
      assert.equal((await client.getArtifact(artifact)).id, artifact);
      // The worker's beats reach the scheduler again: its lease does not run out.
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(await stateOf(running), 'RUNNING');
      const next = await submit();
      await eventually(`${next} RUNNING`, async () => ((await stateOf(next)) === 'RUNNING' ? true : undefined));
      assert.equal((await client.cancelJob(next)).state, 'CANCELLED');
      await eventually('the cancelled worker to exit', () => (workerPids(next).length === 0 ? true : undefined));
    });
  }
});

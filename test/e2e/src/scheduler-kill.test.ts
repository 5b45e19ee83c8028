import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LocalStack } from '@gpulab/local-stack';
import { type GpulabClient, GpulabError, type JobEventView } from '@gpulab/sdk';
import { tempDir } from './temp-dir';
import { eventually } from './worker-processes';

/**
 * Real processes throughout: the scheduler is killed with -9 twice while jobs are being
 * submitted and run; every job must still end, and succeed exactly once.
 */
describe('kill -9 of the scheduler while jobs flow', () => {
  const dir = tempDir('kill');
  let stack: LocalStack;
  let client: GpulabClient;

  before(async () => {
    stack = await LocalStack.start({ dataDir: join(dir.path, 'data'), port: 0, env: { GPULAB_LEADER_LEASE: '1s', GPULAB_EXIT_SETTLE: '300ms' } });
    client = stack.client(stack.tokens.tutor);
  });

  after(async () => {
    client?.close();
    await stack?.close();
    dir.remove();
  });

  /** What a script does when the scheduler is briefly away: try again. */
  async function submitWithRetry(): Promise<string> {
    for (;;) {
      try {
        return (await client.submitJob({ kind: 'pca', input: { dataset: 'seed-example' } })).job.id;
      } catch (error) {
        if (!(error instanceof GpulabError) || error.code !== 'UNAVAILABLE') throw error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  it('loses no job and completes each one exactly once', async () => {
    const ids: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 8; i++) ids.push(await submitWithRetry());
      if (round < 2) {
        await stack.killService('scheduler');
        stack.startService('scheduler');
      }
    }
    const finals = await Promise.all(
      ids.map((id) =>
        eventually(
          `${id} to end`,
          async () => {
            const job = await client.getJob(id).catch(() => undefined);
            return job && ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(job.state) ? job : undefined;
          },
          60_000,
        ),
      ),
    );
    assert.deepEqual(
      finals.filter((j) => j.state !== 'SUCCEEDED').map((j) => `${j.id} ${j.state} ${j.reason ?? ''}`),
      [],
    );
    for (const id of ids) {
      const events: JobEventView[] = [];
      for await (const e of client.watchJob(id)) events.push(e);
      const succeeded = events.filter((e) => e.type === 'state' && e.state === 'SUCCEEDED');
      assert.equal(succeeded.length, 1, `${id} succeeded ${succeeded.length} times`);
    }
  });
});

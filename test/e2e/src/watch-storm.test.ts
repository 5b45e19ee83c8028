import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type JobEventEnvelope, jobEventSubject } from '@gpulab/contracts';
import { LocalStack, type ServiceEvent } from '@gpulab/local-stack';
import { connectNats } from '@gpulab/platform';
import { jetstream } from '@nats-io/jetstream';
import { type GpulabClient } from '@gpulab/sdk';
import { tempDir } from './temp-dir';
import { eventually } from './worker-processes';

const WATCHES = 1000;
/** Other jobs' history in the events stream, as a stack some weeks into a term holds. */
const HISTORY_EVENTS = 20_000;

/**
 * One member opens a thousand watch streams on their own queued job and cancels it: the one
 * state event reaches every stream, and the scheduler keeps its lease and answers meanwhile.
 */
describe('a thousand watch streams on one job, then a cancel', () => {
  const dir = tempDir('watch-storm');
  const events: ServiceEvent[] = [];
  let stack: LocalStack;
  let watcher: GpulabClient;
  let other: GpulabClient;

  before(async () => {
    // The per-token caps would stop one member at 50 streams; lifted here, the scheduler must
    // survive the load itself (as from 20 members with 50 streams each).
    stack = await LocalStack.start({
      dataDir: join(dir.path, 'data'),
      port: 0,
      onServiceEvent: (e) => events.push(e),
      env: { GPULAB_MAX_WATCHES_PER_TOKEN: '2000', GPULAB_RL_READ_RATE: '0' },
    });
    watcher = stack.client();
    other = stack.client(stack.tokens.tutor);
    const nc = await connectNats({ url: stack.nats.url, name: 'history', creds: stack.natsCreds('scheduler') });
    try {
      const js = jetstream(nc);
      for (let i = 0; i < HISTORY_EVENTS; i += 500) {
        await Promise.all(
          Array.from({ length: 500 }, (_, k) => {
            const envelope: JobEventEnvelope = { jobId: `j-history-${i + k}`, attempt: 0, time: new Date().toISOString(), body: { type: 'state', state: 'QUEUED' } };
            return js.publish(jobEventSubject(envelope.jobId, 'state'), JSON.stringify(envelope));
          }),
        );
      }
    } finally {
      await nc.close();
    }
  });

  after(async () => {
    watcher?.close();
    other?.close();
    await stack?.close();
    dir.remove();
  });

  it('every stream sees CANCELLED, the scheduler answers right after and never loses its lease', async () => {
    const job = (await watcher.submitJob({ kind: 'pca', input: { dataset: 'seed-example' } })).job;
    assert.equal(job.state, 'QUEUED');
    const schedulerPid = stack.servicePid('scheduler');
    const abort = new AbortController();
    let open = 0;
    const streams = Array.from({ length: WATCHES }, async () => {
      const states: string[] = [];
      let counted = false;
      try {
        for await (const event of watcher.watchJob(job.id, abort.signal)) {
          if (event.type !== 'state') continue;
          states.push(event.state);
          if (!counted) {
            counted = true;
            open++;
          }
        }
      } catch (error) {
        return `refused: ${(error as Error).message}`;
      }
      return states.at(-1);
    });
    try {
      await eventually('every stream to see the job queued', () => open === WATCHES, 30_000).catch(async (error: unknown) => {
        abort.abort();
        assert.fail(`${(error as Error).message}; ${open} of ${WATCHES} opened, the others: ${[...new Set(await Promise.all(streams))].join(', ')}`);
      });
      const cancelled = await watcher.cancelJob(job.id);
      assert.equal(cancelled.state, 'CANCELLED');
      const asked = performance.now();
      await other.listJobs({ pageSize: 1 });
      const answeredMs = performance.now() - asked;
      assert.ok(answeredMs < 2000, `a request right after the cancel took ${Math.round(answeredMs)} ms`);
      const last = await Promise.all(streams);
      assert.deepEqual(new Set(last), new Set(['CANCELLED']));
    } finally {
      abort.abort();
    }
    // Two renewals later the same scheduler still leads and answers.
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await other.getJob(job.id)).state, 'CANCELLED');
    assert.equal(stack.servicePid('scheduler'), schedulerPid, 'the scheduler was not restarted');
    assert.deepEqual(events, [], 'no service died');
    const log = readFileSync(join(stack.logDir, 'scheduler.log'), 'utf8');
    assert.doesNotMatch(log, /stepping down|lease lost|exiting/);
    assert.equal(log.match(/leader lease acquired/g)?.length, 1);
  });
});

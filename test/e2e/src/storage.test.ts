import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ObjectNames } from '@gpulab/contracts';
import { LocalStack } from '@gpulab/local-stack';
import { type GpulabClient, GpulabError } from '@gpulab/sdk';
import { StoreInspector } from './store-inspector';
import { tempDir } from './temp-dir';
import { eventually, workerPids } from './worker-processes';

const TOKENS = { tutor: 'tutor-token', teams: { demo: 'demo-token', other: 'other-token' } };
const LIMIT_MB = 64;

/** A CSV of `rows` rows and `cols` columns of small numbers, without a header. */
function csv(rows: number, cols: number): Buffer {
  const row = Array.from({ length: cols }, (_, j) => String(j % 10)).join(',') + '\n';
  return Buffer.from(row.repeat(rows));
}

/**
 * Storage accounting and bounds with real processes: one simulated GPU and workers that run until
 * stopped (the test decides when a job ends or is retried), inline inputs swept every 300 ms, a
 * small storage limit, and one heavy request at a time with one waiting.
 */
describe('storage: inline inputs counted and freed, uploads bounded, heavy requests admitted', () => {
  const dir = tempDir('storage');
  let stack: LocalStack;
  let tutor: GpulabClient;
  let demo: GpulabClient;
  let other: GpulabClient;
  let store: StoreInspector;

  const inputStored = async (jobId: string) => {
    const info = await store.resources.artifacts.info(ObjectNames.input(jobId));
    return info !== null && !info.deleted;
  };

  before(async () => {
    const data = join(dir.path, 'data');
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'tokens.json'), JSON.stringify(TOKENS), { mode: 0o600 });
    stack = await LocalStack.start({
      dataDir: data,
      port: 0,
      gpuLayout: '1',
      env: {
        GPULAB_WORKER_ENTRY: require.resolve('@gpulab/scheduler/testing/slow-worker'),
        GPULAB_EXIT_SETTLE: '200ms',
        GPULAB_STOP_GRACE: '2s',
        GPULAB_HEARTBEAT_INTERVAL: '200ms',
        GPULAB_HEARTBEAT_TIMEOUT: '1500ms',
        GPULAB_INPUT_SWEEP_INTERVAL: '300ms',
        GPULAB_TEAM_STORAGE_MB: String(LIMIT_MB),
        GPULAB_HEAVY_CONCURRENCY: '1',
        GPULAB_HEAVY_QUEUE: '1',
      },
    });
    tutor = stack.client(TOKENS.tutor);
    demo = stack.client(TOKENS.teams.demo);
    other = stack.client(TOKENS.teams.other);
    store = await StoreInspector.open(stack.nats.url, stack.natsCreds('scheduler'));
  });

  after(async () => {
    for (const job of (await tutor?.listJobs({ pageSize: 500 }).catch(() => undefined))?.jobs ?? []) {
      for (const pid of workerPids(job.id)) process.kill(pid, 'SIGKILL');
    }
    for (const c of [tutor, demo, other]) c?.close();
    await store?.close();
    await stack?.close();
    dir.remove();
  });

  it('an inline input counts against the storage while its job runs, stays across a retry, and is deleted once the job ended', async () => {
    // A tutor's job: it runs on the GPU that no slot holds.
    const { job } = await tutor.submitJob({ kind: 'pca', input: { csv: csv(1000, 4), filename: 'points.csv' } });
    const stored = 16 + 1000 * 4 * 8;
    const usage = async () => (await tutor.listArtifacts('tutors')).usage[0];
    assert.equal((await usage()).jobInputBytes, stored);
    assert.ok(await inputStored(job.id));

    await eventually('the job to run', async () => ((await tutor.getJob(job.id)).state === 'RUNNING' ? true : undefined));
    const [pid] = workerPids(job.id);
    process.kill(pid, 'SIGKILL');
    await eventually('a second attempt', async () => {
      const j = await tutor.getJob(job.id);
      return j.attempt === 2 && j.state === 'RUNNING' ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 1000)); // several sweeps
    assert.ok(await inputStored(job.id), 'the retried attempt still reads its input');
    assert.equal((await usage()).jobInputBytes, stored);

    await tutor.cancelJob(job.id);
    await eventually('the input to be deleted', async () => ((await inputStored(job.id)) ? undefined : true));
    assert.equal((await usage()).jobInputBytes, 0);
  });

  it('a CSV upload too large for the free space is refused from its line count, before it is parsed, and leaves nothing', async () => {
    // 3 MB of text, 1.5 million numbers: 12 MB as a matrix, more than is left once 56 MB are used.
    const filler = csv(700_000, 10); // 14 MB of text, 56 MB stored
    const kept = await demo.upload(filler, { filename: 'filler.csv' });
    assert.equal(kept.storedBytes, 16 + 700_000 * 10 * 8);
    const big = csv(150_000, 10);
    const started = Date.now();
    const refusal = await demo.upload(big, { filename: 'big.csv' }).then(
      () => assert.fail('the upload should be refused'),
      (e: unknown) => e,
    );
    assert.ok(refusal instanceof GpulabError && refusal.code === 'RESOURCE_EXHAUSTED', String(refusal));
    assert.match(refusal.message, /big\.csv would take 11\.4 MB stored \(up to 150000 × 10 numbers of 8 bytes\); it was refused before being read/);
    assert.match(refusal.message, /team demo has used 53\.4 MB \(53\.4 MB artifacts\) of its 64\.0 MB storage/);
    const { uploads, usage } = await demo.listArtifacts();
    assert.deepEqual(uploads, []);
    assert.equal(usage[0].artifactBytes, kept.storedBytes);
    assert.ok(Date.now() - started < 30_000);
    await demo.deleteArtifact(kept.id);
  });

  it("another team's light call is answered while heavy requests run; beyond the waiting line they are refused as busy", async () => {
    const heavy = csv(400_000, 10); // 8 MB of text each
    const submits = Array.from({ length: 5 }, () => demo.submitJob({ kind: 'pca', input: { csv: heavy, filename: 'heavy.csv' } }).then(
      (r) => r.job.id,
      (e: unknown) => e,
    ));
    await new Promise((r) => setTimeout(r, 100));
    const light = Date.now();
    await other.listJobs({ pageSize: 10 });
    const lightMs = Date.now() - light;
    const results = await Promise.all(submits);
    const busy = results.filter((r) => r instanceof GpulabError && r.code === 'RESOURCE_EXHAUSTED' && /the gateway is busy reading/.test(r.message));
    assert.ok(busy.length >= 1, `some heavy requests are refused as busy: ${results.map(String).join('; ')}`);
    assert.ok(lightMs < 1000, `another team's call took ${lightMs} ms`);
    for (const id of results.filter((r): r is string => typeof r === 'string')) await demo.cancelJob(id).catch(() => undefined);
  });
});

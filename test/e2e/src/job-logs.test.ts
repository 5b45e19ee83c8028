import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeLogBatch, jobLogSubject, type LogLine } from '@gpulab/contracts';
import { LocalStack } from '@gpulab/local-stack';
import { connectNats, type NatsConnection } from '@gpulab/platform';
import { type GpulabClient, GpulabError } from '@gpulab/sdk';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { runCliInProcess } from './cli-runner';
import { tempDir } from './temp-dir';
import { eventually } from './worker-processes';

const TOKENS = { tutor: 'tutor-token', teams: { demo: 'demo-token', other: 'other-token' } };

/**
 * The `run` kind's worker is built apart from this reading side, so these tests publish log
 * batches onto the stream themselves, as a worker would, for jobs that wait in the queue (the
 * team has no slot): a job that exists, whose output the gateway reads and follows.
 */
describe("job logs: a job's output, read and followed by its team", () => {
  const dir = tempDir('job-logs');
  let stack: LocalStack;
  let demo: GpulabClient;
  let nc: NatsConnection;
  let js: JetStreamClient;
  const seqs = new Map<string, number>();

  const as = (token: string) => ({ GPULAB_ADDR: stack.address, GPULAB_TOKEN: token });
  const queuedJob = async () => (await demo.submitJob({ kind: 'pca', input: { dataset: 'seed-example' } })).job.id;
  const line = (stream: LogLine['stream'], text: string, at = Date.now()): LogLine => ({ at, stream, text });
  async function publish(jobId: string, lines: LogLine[], attempt = 1): Promise<void> {
    const seq = (seqs.get(`${jobId}.${attempt}`) ?? 0) + 1;
    seqs.set(`${jobId}.${attempt}`, seq);
    await js.publish(jobLogSubject(jobId, attempt), encodeLogBatch({ jobId, attempt, seq, lines }));
  }

  before(async () => {
    const data = join(dir.path, 'data');
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'tokens.json'), JSON.stringify(TOKENS), { mode: 0o600 });
    stack = await LocalStack.start({ dataDir: data, port: 0 });
    demo = stack.client(TOKENS.teams.demo);
    // The scheduler's identity may publish anywhere; a worker's only on its own attempt's subject.
    nc = await connectNats({ url: stack.nats.url, name: 'e2e-job-logs', creds: stack.natsCreds('scheduler') });
    js = jetstream(nc);
  });

  after(async () => {
    demo?.close();
    await nc?.close();
    await stack?.close();
    dir.remove();
  });

  it('prints the last lines with --tail, one stream with --stream, one JSON object a line with --json, and skips a malformed message', async () => {
    const id = await queuedJob();
    await publish(id, [line('stdout', 'epoch 1'), line('stderr', 'warning: slow disk'), line('stdout', 'epoch 2')]);
    await js.publish(jobLogSubject(id, 1), new TextEncoder().encode('{"not": "a batch"}'));
    await publish(id, [line('stdout', 'epoch 3'), line('gpulab', '4 lines dropped (over 1000 lines a second)')]);

    const tail = await runCliInProcess(['logs', id, '--tail', '3'], as(TOKENS.teams.demo));
    assert.equal(tail.code, 0, tail.stderr);
    assert.deepEqual(
      tail.stdout.trimEnd().split('\n').map((l) => l.slice(9)),
      ['[out] epoch 2', '[out] epoch 3', '[gpulab] 4 lines dropped (over 1000 lines a second)'],
    );
    assert.match(tail.stdout, /^\d\d:\d\d:\d\d \[out\] epoch 2$/m);

    const stderr = await runCliInProcess(['logs', id, '--stream', 'stderr'], as(TOKENS.teams.demo));
    assert.equal(stderr.code, 0, stderr.stderr);
    assert.deepEqual(stderr.stdout.trimEnd().split('\n').map((l) => l.slice(9)), ['[err] warning: slow disk']);

    const json = await runCliInProcess(['logs', id, '--json'], as(TOKENS.teams.demo));
    const objects = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { stream: string; text: string; attempt: number; at: string });
    assert.deepEqual(objects.map((o) => o.text), ['epoch 1', 'warning: slow disk', 'epoch 2', 'epoch 3', '4 lines dropped (over 1000 lines a second)']);
    assert.ok(objects.every((o) => o.attempt === 1 && !Number.isNaN(Date.parse(o.at))));
  });

  it("reads every attempt's lines in order, and with --since only those printed since", async () => {
    const id = await queuedJob();
    const hourAgo = Date.now() - 3_600_000;
    await publish(id, [line('stdout', 'old line', hourAgo)], 1);
    await publish(id, [line('stdout', 'attempt 2 starts')], 2);
    assert.deepEqual((await demo.logs(id)).map((l) => [l.attempt, l.text]), [[1, 'old line'], [2, 'attempt 2 starts']]);
    const since = await runCliInProcess(['logs', id, '--since', '10m'], as(TOKENS.teams.demo));
    assert.equal(since.code, 0, since.stderr);
    assert.deepEqual(since.stdout.trimEnd().split('\n').map((l) => l.slice(9)), ['[out] attempt 2 starts']);
  });

  it('follows a queued job, saying once that it waits, prints lines as they come, and ends when the job has ended', async () => {
    const id = await queuedJob();
    const following = runCliInProcess(['logs', id, '--follow'], as(TOKENS.teams.demo));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await publish(id, [line('stdout', 'step 1')]);
    await publish(id, [line('stderr', 'step 2 on stderr')]);
    // Lines the gateway has: once they can be read, the job ends, and the follow after it.
    await eventually('the lines to be readable', async () => ((await demo.logs(id)).length === 2 ? true : undefined));
    await demo.cancelJob(id);
    const done = await following;
    assert.equal(done.code, 0, done.stderr);
    assert.deepEqual(done.stdout.trimEnd().split('\n').map((l) => l.slice(9)), ['[out] step 1', '[err] step 2 on stderr']);
    assert.equal(done.stderr.match(/waiting for it to start/g)?.length, 1, done.stderr);
  });

  it("refuses another team's job as GetJob refuses it", async () => {
    const id = await queuedJob();
    await publish(id, [line('stdout', 'secret')]);
    const other = stack.client(TOKENS.teams.other);
    try {
      await assert.rejects(other.logs(id), (e: unknown) => e instanceof GpulabError && e.code === 'PERMISSION_DENIED');
    } finally {
      other.close();
    }
    const cli = await runCliInProcess(['logs', id], as(TOKENS.teams.other));
    assert.equal(cli.code, 2);
    assert.doesNotMatch(cli.stdout, /secret/);
    assert.match(cli.stderr, /PERMISSION_DENIED/);
  });

  it('exits 2 with a clear message for a --since or --tail that does not parse, before asking the gateway', async () => {
    for (const [args, message] of [
      [['--since', 'yesterday'], /--since "yesterday" is neither/],
      [['--tail', 'ten'], /--tail must be a whole number/],
      [['--tail', '20000'], /--tail is at most 10000/],
    ] as const) {
      const run = await runCliInProcess(['logs', 'j-01m8rbq2x5f3k9w7d1h4c6n0ta', ...args], as(TOKENS.teams.demo));
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, message);
    }
  });
});

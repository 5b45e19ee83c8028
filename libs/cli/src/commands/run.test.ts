import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GpulabClient, GpulabError, type JobLogLine, type JobView, type SubmitOptions } from '@gpulab/sdk';
import { runCli } from '../program';
import { capturedContext } from '../testing/captured-context';
import { aJob } from '../testing/views';

const ID = 'j-01m8rbq2x5f3k9w7d1h4c6n0ta';

/**
 * A gateway for one `run` job, in the test's memory: it records the submission and answers with
 * the job in `states`, one per `getJob`, and the lines `logs` gives. The `run` kind itself is
 * another package's; this pins the request the CLI builds and what it makes of the answers.
 */
function fakeGateway(options: { states?: Partial<JobView>[]; logs?: JobLogLine[]; refuse?: GpulabError; hold?: Promise<void> } = {}) {
  const submitted: SubmitOptions[] = [];
  const states = options.states ?? [{ state: 'SUCCEEDED', result: { exitCode: 0 } }];
  let gets = 0;
  const job = (i: number) => aJob({ id: ID, kind: 'run', ...states[Math.min(i, states.length - 1)] });
  const client = {
    submitJob: async (o: SubmitOptions) => {
      submitted.push(o);
      if (options.refuse) throw options.refuse;
      return { job: aJob({ id: ID, kind: 'run', state: 'QUEUED' }), notices: [] };
    },
    getJob: async () => job(gets++),
    waitForJob: async () => job(states.length - 1),
    async *streamJobLogs(_id: string, _o: unknown, signal?: AbortSignal) {
      for (const line of options.logs ?? []) yield line;
      if (options.hold) await Promise.race([options.hold, new Promise((resolve) => signal?.addEventListener('abort', resolve))]);
    },
    close: () => undefined,
  };
  return { client: client as unknown as GpulabClient, submitted };
}

const line = (stream: JobLogLine['stream'], text: string): JobLogLine => ({ at: Date.parse('2026-12-01T08:00:05Z'), stream, text, attempt: 1 });

describe('gpulab run', () => {
  it('submits a run job with the command after -- and every flag as a parameter', async () => {
    const gateway = fakeGateway();
    const ctx = capturedContext(() => gateway.client);
    const args = ['run', '--gpus', '2', '--env', 'EPOCHS=10', '--input', 'train=art-abcdefghijklmnop', '--timeout', '6h', '--preemptible', '--priority', '--code', 'art-qrstuvwxyz234567', '--detach', '--', 'python', 'train.py', '--epochs', '10'];
    assert.equal(await runCli(args, ctx), 0);
    assert.deepEqual(gateway.submitted, [
      {
        kind: 'run',
        params: { command: 'python train.py --epochs 10', env: ['EPOCHS=10'], inputs: ['train=art-abcdefghijklmnop'], timeout: '6h', code: 'art-qrstuvwxyz234567' },
        gpus: 2,
        priority: true,
        preemptible: true,
      },
    ]);
    assert.equal(ctx.out(), `${ID}\n`);
  });

  it('prints the output with a mark per stream and exits with the exit code of the command', async () => {
    const gateway = fakeGateway({ states: [{ state: 'RUNNING' }, { state: 'FAILED', reason: 'the command exited with code 3; the last lines of stderr:\nTraceback' }], logs: [line('stdout', 'epoch 1'), line('stderr', 'Traceback'), line('gpulab', '2 lines dropped')] });
    const ctx = capturedContext(() => gateway.client);
    assert.equal(await runCli(['run', '--', 'python', 'train.py'], ctx), 3);
    assert.equal(ctx.out(), '08:00:05 [out] epoch 1\n08:00:05 [err] Traceback\n08:00:05 [gpulab] 2 lines dropped\n');
    assert.match(ctx.err(), /FAILED: the command exited with code 3/);
  });

  it('says once that a queued job is waiting before its output comes', async () => {
    const gateway = fakeGateway({ states: [{ state: 'QUEUED' }, { state: 'SUCCEEDED', result: { exitCode: 0 } }] });
    const ctx = capturedContext(() => gateway.client);
    assert.equal(await runCli(['run', '--', 'true'], ctx), 0);
    assert.equal(ctx.err().match(/waiting for it to start/g)?.length, 1);
  });

  it('detaches on Ctrl-C, saying how to follow the job again and how to cancel it', async () => {
    const gateway = fakeGateway({ states: [{ state: 'RUNNING' }], logs: [line('stdout', 'epoch 1')], hold: new Promise(() => undefined) });
    let interrupt = () => undefined as void;
    const ctx = { ...capturedContext(() => gateway.client), onInterrupt: (stop: () => void) => ((interrupt = stop), () => undefined) };
    const done = runCli(['run', '--', 'python', 'train.py'], ctx);
    await new Promise((resolve) => setTimeout(resolve, 20));
    interrupt();
    assert.equal(await done, 0);
    assert.match(ctx.err(), new RegExp(`gpulab logs ${ID} --follow`));
    assert.match(ctx.err(), new RegExp(`gpulab cancel ${ID}`));
  });

  it('exits 2 when the gateway refuses the job', async () => {
    const gateway = fakeGateway({ refuse: new GpulabError('INVALID_ARGUMENT', 3, 'unknown job kind "run"') });
    const ctx = capturedContext(() => gateway.client);
    assert.equal(await runCli(['run', '--', 'python', 'train.py'], ctx), 2);
    assert.match(ctx.err(), /unknown job kind/);
  });

  it('exits 2 without connecting for an empty command, a bad --env and a bad --timeout', async () => {
    for (const args of [['run'], ['run', '--'], ['run', '--env', 'X', '--', 'python'], ['run', '--timeout', 'soon', '--', 'python']]) {
      const ctx = capturedContext();
      assert.equal(await runCli(args, ctx), 2, args.join(' '));
      assert.doesNotMatch(ctx.err(), /before it connects/, args.join(' '));
    }
  });

  it('exits 2 for a --code directory with a link pointing outside it, before anything is uploaded or submitted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpulab-run-code-'));
    writeFileSync(join(dir, 'train.py'), 'print(1)');
    symlinkSync('/etc/passwd', join(dir, 'passwd'));
    const gateway = fakeGateway();
    const ctx = capturedContext(() => gateway.client);
    assert.equal(await runCli(['run', '--code', dir, '--', 'python', 'train.py'], ctx), 2);
    assert.match(ctx.err(), /--code .*passwd links to \/etc\/passwd, outside/);
    assert.deepEqual(gateway.submitted, []);
  });
});

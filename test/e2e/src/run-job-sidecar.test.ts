import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type LocalStack } from '@gpulab/local-stack';
import { POD_ENTRY_NAME, POD_ENTRY_SCRIPT } from '@gpulab/run-job';
import { type GpulabClient } from '@gpulab/sdk';
import { runCliInProcess } from './cli-runner';
import { startCourseStack } from './course-stack';
import { tempDir } from './temp-dir';
import { eventually } from './worker-processes';

const TOKENS = { tutor: 'tutor-token', teams: { demo: 'demo-token' } };

/**
 * The cluster mode's pod without a cluster: the real stack's worker runs as the sidecar
 * (GPULAB_SHARED_DIR), and the team's container is played by a real `sh` running the entry as
 * the pod spec has it, on the same shared folder. Everything else (gateway, scheduler, NATS, the
 * log stream, outputs) is the real thing.
 */
describe('run jobs with the worker beside the team container (cluster mode\'s pod)', () => {
  const dir = tempDir('e2e-run-sidecar');
  const shared = join(dir.path, 'shared');
  let stack: LocalStack;
  let client: GpulabClient;
  let team: ChildProcess | undefined;

  before(async () => {
    mkdirSync(shared, { recursive: true });
    stack = await startCourseStack(dir.path, TOKENS, { env: { GPULAB_SHARED_DIR: shared, GPULAB_HEARTBEAT_INTERVAL: '200ms', GPULAB_EXIT_SETTLE: '200ms', GPULAB_RESOURCE_SAMPLE_MS: '200' } });
    client = stack.client(TOKENS.teams.demo);
  });

  /** One pod per attempt in a cluster: the next "pod" starts on an empty shared folder. */
  function newPod(): void {
    team?.kill('SIGKILL');
    rmSync(shared, { recursive: true, force: true });
    mkdirSync(shared);
  }

  after(async () => {
    team?.kill('SIGKILL');
    client?.close();
    await stack?.close();
    dir.remove();
  });

  it('runs the command in the other container with its folders and variables, streams its output and stores its outputs', async () => {
    const script = 'echo "epoch 1 of $EPOCHS"; echo warning >&2; echo "$GPULAB_TEAM" > "$GPULAB_OUTPUTS/team.txt"; echo "::gpulab:: progress=0.5 loss=0.25"; exit 0';
    const argv = ['sh', '-c', script];
    const { job } = await client.submitJob({ kind: 'run', params: { command: argv, env: ['EPOCHS=3'] } });
    team = spawn('sh', ['-c', POD_ENTRY_SCRIPT, POD_ENTRY_NAME, ...argv], { env: { PATH: process.env.PATH, GPULAB_SHARED_DIR: shared }, stdio: 'ignore' });
    const done = await client.waitForJob(job.id);
    assert.equal(done.state, 'SUCCEEDED', done.reason);
    const logs = await eventually('the log', async () => {
      const run = await runCliInProcess(['logs', job.id], { GPULAB_ADDR: stack.address, GPULAB_TOKEN: TOKENS.teams.demo });
      return run.stdout.includes('epoch 1 of 3') ? run.stdout : undefined;
    });
    assert.match(logs, /warning/);
    const out = join(dir.path, 'out');
    const download = await runCliInProcess(['result', job.id, '--out', out], { GPULAB_ADDR: stack.address, GPULAB_TOKEN: TOKENS.teams.demo });
    assert.equal(download.code, 0, download.stderr);
    assert.equal(readFileSync(join(out, 'team.txt'), 'utf8'), 'demo\n');
    assert.ok(existsSync(join(shared, 'exit')), 'the entry wrote the exit status');
  });

  it("shows the other container's command's CPU and memory in gpulab get while it runs and its peak once it ended", async () => {
    newPod();
    const argv = ['sh', '-c', 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; sleep 3'];
    const { job } = await client.submitJob({ kind: 'run', params: { command: argv } });
    team = spawn('sh', ['-c', POD_ENTRY_SCRIPT, POD_ENTRY_NAME, ...argv], { env: { PATH: process.env.PATH, GPULAB_SHARED_DIR: shared }, stdio: 'ignore' });
    const env = { GPULAB_ADDR: stack.address, GPULAB_TOKEN: TOKENS.teams.demo };
    const running = await eventually(
      'a resource sample in gpulab get',
      async () => {
        const get = await runCliInProcess(['get', job.id], env);
        return /^state +RUNNING/m.test(get.stdout) && /^using +CPU \d+% {2}memory \d/m.test(get.stdout) ? get.stdout : undefined;
      },
      30_000,
    );
    assert.match(running, /^peak +CPU \d+% {2}memory \d/m);
    assert.equal((await client.waitForJob(job.id)).state, 'SUCCEEDED');
    const ended = await runCliInProcess(['get', job.id], env);
    assert.match(ended.stdout, /^peak +CPU \d+% {2}memory \d/m);
    assert.ok(((await client.getJob(job.id)).peakResources?.rssBytes ?? 0) > 0, "the peak counts the command's resident memory");
  });

  it('a cancel reaches the command in the other container as SIGTERM through the entry', async () => {
    newPod();
    const argv = ['sh', '-c', 'trap "echo stopping; exit 7" TERM; echo running; while :; do sleep 0.1; done'];
    const { job } = await client.submitJob({ kind: 'run', params: { command: argv } });
    team = spawn('sh', ['-c', POD_ENTRY_SCRIPT, POD_ENTRY_NAME, ...argv], { env: { PATH: process.env.PATH, GPULAB_SHARED_DIR: shared }, stdio: 'ignore' });
    const ended = new Promise<number | null>((resolve) => team?.once('exit', (code) => resolve(code)));
    await eventually('the command running', () => (existsSync(join(shared, 'stdout')) && readFileSync(join(shared, 'stdout'), 'utf8').includes('running')) || undefined);
    await client.cancelJob(job.id);
    assert.equal(await ended, 7, 'the command ran its SIGTERM trap');
    assert.match(readFileSync(join(shared, 'stdout'), 'utf8'), /stopping/);
    assert.equal((await client.waitForJob(job.id)).state, 'CANCELLED');
  });
});

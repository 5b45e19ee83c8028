import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GpulabError, type JobEventView } from '@gpulab/sdk';
import { runCliInProcess, startCli } from './cli-runner';
import { teamSuiteStack } from './course-stack';
import { tempDir } from './temp-dir';
import { eventually, groupAlive, workerOf } from './worker-processes';

const TOKENS = { tutor: 'tutor-token', teams: { demo: 'demo-token', other: 'other-token' } };

/**
 * A team's own commands through the real stack: the CLI's `submit run`, the SDK, a real
 * scheduler and worker processes, the commands small `sh` scripts. The demo team holds
 * today's setup slot, so its jobs run at once.
 */
describe('run jobs: a team\'s own command on its GPUs', () => {
  const dir = tempDir('e2e-run-job');
  const course = join(dir.path, 'course-data');
  const scratch = join(dir.path, 'scratch');
  const demo = teamSuiteStack(dir, TOKENS, 'demo', {
    prepare: () => {
      mkdirSync(course, { recursive: true });
      mkdirSync(scratch, { recursive: true });
      writeFileSync(join(course, 'labels.txt'), 'cat\ndog\n');
    },
    booked: ['demo'],
    env: {
      GPULAB_DATA_MOUNTS: `trainval=${course}`,
      GPULAB_WORK_DIR: join(dir.path, 'work'),
      GPULAB_PREEMPT_GRACE: '3s',
      GPULAB_STOP_GRACE: '3s',
      GPULAB_EXIT_SETTLE: '200ms',
      GPULAB_HEARTBEAT_INTERVAL: '200ms',
      GPULAB_CHECKPOINT_INTERVAL_MS: '200',
      GPULAB_RESOURCE_SAMPLE_MS: '200',
    },
  });

  const submitRun = async (params: Record<string, unknown>) => (await demo.client.submitJob({ kind: 'run', params })).job.id;

  it('passes exit 0 through as SUCCEEDED: the command sees its GPUs, team and data mounts, and its outputs download with gpulab result --out', async () => {
    const script = [
      'echo "$CUDA_VISIBLE_DEVICES|$GPULAB_GPUS|$GPULAB_TEAM|$GPULAB_ATTEMPT" > "$GPULAB_OUTPUTS/env.txt"',
      'cp "$GPULAB_DATA/trainval/labels.txt" "$GPULAB_OUTPUTS/labels.txt"',
      'test -z "$GPULAB_NATS_CREDS_TEXT" && echo no-creds >> "$GPULAB_OUTPUTS/env.txt"',
      'echo done',
    ].join('; ');
    const run = await runCliInProcess(['submit', 'run', '--set', `command=sh -c '${script}'`, '--wait', '--json'], demo.cliEnv);
    assert.equal(run.code, 0, run.stderr);
    const job = JSON.parse(run.stdout) as { id: string; state: string };
    assert.equal(job.state, 'SUCCEEDED');
    const out = join(dir.path, 'result-1');
    const download = await runCliInProcess(['result', job.id, '--out', out], demo.cliEnv);
    assert.equal(download.code, 0, download.stderr);
    const [gpus, named, team, attempt] = readFileSync(join(out, 'env.txt'), 'utf8').split('\n')[0].split('|');
    assert.match(gpus, /^\d+(,\d+)*$/);
    assert.equal(named.split(',').length, gpus.split(',').length);
    assert.equal(team, 'demo');
    assert.equal(attempt, '1');
    assert.match(readFileSync(join(out, 'env.txt'), 'utf8'), /no-creds/);
    assert.equal(readFileSync(join(out, 'labels.txt'), 'utf8'), 'cat\ndog\n');
  });

  it('fails a non-zero exit with its code and the last lines of stderr in the reason', async () => {
    const id = await submitRun({ command: ['sh', '-c', 'for i in $(seq 1 30); do echo "err $i" >&2; done; exit 3'] });
    const job = await demo.client.waitForJob(id);
    assert.equal(job.state, 'FAILED');
    assert.match(job.reason ?? '', /the command exited with code 3/);
    assert.match(job.reason ?? '', /err 11\n[\s\S]*err 30/);
    assert.doesNotMatch(job.reason ?? '', /err 10\n/);
  });

  it('gpulab run --code DIR streams the command\'s output from its unpacked code and exits with its status; the same code again is re-used by its hash', async () => {
    const code = join(dir.path, 'code');
    mkdirSync(join(code, 'node_modules', 'left-out'), { recursive: true });
    writeFileSync(join(code, 'train.sh'), 'echo "epoch 1 from $(basename "$PWD")"\necho "warning: tiny data" >&2\ntest ! -e big.bin && test ! -e node_modules || exit 9\nexit "${STATUS:-0}"\n');
    writeFileSync(join(code, 'big.bin'), 'not sent');
    writeFileSync(join(code, '.gpulabignore'), 'big.bin\n');
    const failed = await runCliInProcess(['run', '--code', code, '--env', 'STATUS=3', '--', 'sh', 'train.sh'], demo.cliEnv);
    assert.equal(failed.code, 3, failed.stderr);
    assert.match(failed.stdout, /\[out\] epoch 1 from work\n/);
    assert.match(failed.stdout, /\[err\] warning: tiny data\n/);
    assert.match(failed.stderr, /code: .*: 2 files, .*\ncode: uploaded as (art-\S+)\n/);
    const uploaded = /uploaded as (art-\S+)/.exec(failed.stderr)![1];

    const again = await runCliInProcess(['run', '--code', code, '--', 'sh', 'train.sh'], demo.cliEnv);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, new RegExp(`unchanged since ${uploaded} was uploaded; using it`));
    const { artifacts } = await demo.client.listArtifacts();
    assert.equal(artifacts.filter((a) => a.kind === 'code').length, 1);
  });

  it('gpulab run detaches on a real SIGINT, prints how to follow and cancel the job, and the job keeps running', async () => {
    const cli = startCli(['run', '--', 'sh', '-c', 'echo started; sleep 60'], demo.cliEnv);
    await eventually('the command\'s first line', () => (cli.output().stdout.includes('[out] started') ? true : undefined), 30_000);
    cli.child.kill('SIGINT');
    const run = await cli.done;
    assert.equal(run.code, 0, run.stderr);
    const id = /submitted (\S+)/.exec(run.stderr)![1];
    assert.match(run.stderr, new RegExp(`detached from ${id}, which goes on`));
    assert.match(run.stderr, new RegExp(`gpulab logs ${id} --follow`));
    assert.match(run.stderr, new RegExp(`gpulab cancel ${id}`));
    assert.equal((await demo.client.getJob(id)).state, 'RUNNING');
    await demo.client.cancelJob(id);
  });

  it('refuses at submission a code archive the team cannot see', async () => {
    await assert.rejects(submitRun({ command: 'true', code: 'art-abcdefghijklmnop' }), (e: unknown) => e instanceof GpulabError && (e.code === 'NOT_FOUND' || e.code === 'PERMISSION_DENIED'));
  });

  it('fails a command that does not exist with exit 127 and "command not found"', async () => {
    const job = await demo.client.waitForJob(await submitRun({ command: 'no-such-program-here --flag' }));
    assert.equal(job.state, 'FAILED');
    assert.match(job.reason ?? '', /exited with code 127: no-such-program-here: command not found/);
  });

  it('refuses at submission an empty command and demo.cliEnv that sets GPULAB_* or CUDA_VISIBLE_DEVICES, with INVALID_ARGUMENT', async () => {
    for (const params of [{ command: '  ' }, { command: 'true', env: 'GPULAB_TEAM=other' }, { command: 'true', env: ['CUDA_VISIBLE_DEVICES=0'] }]) {
      await assert.rejects(submitRun(params), (e: unknown) => e instanceof GpulabError && e.code === 'INVALID_ARGUMENT', JSON.stringify(params));
    }
  });

  it('refuses at submission an image that is not a reference with INVALID_ARGUMENT, saying which part is wrong', async () => {
    const cases: Array<[unknown, RegExp]> = [
      ['Team-A/Train:v1', /image "Team-A\/Train:v1" is not an image reference \(REGISTRY\/IMAGE:TAG\): "Team-A" in the image path is not lowercase/],
      ['team/train:has space', /no spaces/],
      ['team/train@sha256:1234', /the digest/],
      [`team/${'x'.repeat(500)}`, /characters; at most/],
      [7, /image must be a reference/],
    ];
    for (const [image, message] of cases) {
      await assert.rejects(submitRun({ command: 'true', image }), (e: unknown) => e instanceof GpulabError && e.code === 'INVALID_ARGUMENT' && message.test(e.message), String(image).slice(0, 40));
    }
  });

  it('refuses an image without cluster mode with FAILED_PRECONDITION and IMAGE_MODE, as commands here run on the servers', async () => {
    await assert.rejects(
      submitRun({ command: 'true', image: 'registry.course.org/team-a/train:v1' }),
      (e: unknown) => e instanceof GpulabError && e.code === 'FAILED_PRECONDITION' && e.reason === 'IMAGE_MODE' && /images need cluster mode/.test(e.message),
    );
  });

  it('gpulab run --image without cluster mode exits 2 with the refusal', async () => {
    const { code, stderr } = await runCliInProcess(['run', '--detach', '--image', 'team-a/train:v1', '--', 'true'], demo.cliEnv);
    assert.equal(code, 2);
    assert.match(stderr, /images need cluster mode/);
  });

  it('gives the command an uploaded data set as a file under GPULAB_INPUTS', async () => {
    const csv = join(dir.path, 'points.csv');
    writeFileSync(csv, '1,2\n3,4\n5,6\n');
    const artifact = await demo.client.upload(csv);
    const id = await submitRun({ command: ['sh', '-c', 'cp "$GPULAB_INPUTS/points" "$GPULAB_OUTPUTS/points.csv"'], inputs: `points=${artifact.id}` });
    const job = await demo.client.waitForJob(id);
    assert.equal(job.state, 'SUCCEEDED', job.reason);
    const out = join(dir.path, 'result-inputs');
    await demo.client.downloadResult(id, out);
    assert.equal(readFileSync(join(out, 'points.csv'), 'utf8'), '1,2\n3,4\n5,6\n');
  });

  it('turns ::gpulab:: lines on stdout and lines in $GPULAB_PROGRESS into progress events with their metrics', async () => {
    const script = [
      `echo '::gpulab::{"progress": 0.25, "message": "epoch 1/4", "metrics": {"loss": 0.5}}'`,
      'sleep 0.5',
      `echo '{"progress": 0.75, "message": "epoch 3/4"}' >> "$GPULAB_PROGRESS"`,
      'sleep 1',
    ].join('; ');
    const id = await submitRun({ command: ['sh', '-c', script] });
    const events: JobEventView[] = [];
    const job = await demo.client.waitForJob(id, (e) => events.push(e));
    assert.equal(job.state, 'SUCCEEDED', job.reason);
    const progress = events.flatMap((e) => (e.type === 'progress' && e.message ? [`${e.fraction} ${e.message}`] : []));
    // A resource sample repeats the latest progress, so the same line may come more than once.
    assert.deepEqual([...new Set(progress)], ['0.25 epoch 1/4', '0.75 epoch 3/4']);
  });

  it("shows the command's latest CPU and memory in gpulab get while it runs and its peak once it ended, and its metrics in gpulab watch", async () => {
    const script = [`echo '::gpulab::{"progress": 0.5, "message": "epoch 1/2", "metrics": {"loss": 0.31}}'`, 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done', 'sleep 3'].join('; ');
    const id = await submitRun({ command: ['sh', '-c', script] });
    const running = await eventually(
      'a resource sample in gpulab get',
      async () => {
        const get = await runCliInProcess(['get', id], demo.cliEnv);
        return /^state +RUNNING/m.test(get.stdout) && /^using +CPU \d+% {2}memory \d/m.test(get.stdout) ? get.stdout : undefined;
      },
      30_000,
    );
    assert.match(running, /^peak +CPU \d+% {2}memory \d/m);
    const watch = await runCliInProcess(['watch', id], demo.cliEnv);
    assert.equal(watch.code, 0, watch.stderr);
    assert.match(watch.stderr, /50% epoch 1\/2 {2}loss 0\.31/);
    assert.match(watch.stderr, /loss 0\.31 {2}\(CPU \d+% {2}memory \d/, 'a resource sample repeats the latest metrics');
    const ended = await runCliInProcess(['get', id], demo.cliEnv);
    assert.match(ended.stdout, /^state +SUCCEEDED/m);
    assert.doesNotMatch(ended.stdout, /^using/m);
    assert.match(ended.stdout, /^peak +CPU \d+% {2}memory \d/m);
    const job = await demo.client.getJob(id);
    assert.ok((job.peakResources?.rssBytes ?? 0) > 0, 'the peak counts the command\'s resident memory');
  });

  it('stops a command at its timeout with SIGTERM to its whole process group and leaves no process behind', async () => {
    const pidFile = join(scratch, 'timeout.pid');
    // The shell's child sleeps on after the shell: only signalling the group reaches it.
    const id = await submitRun({ command: ['sh', '-c', `echo $$ > ${pidFile}; sleep 60 & sleep 60`], timeout: '2s' });
    const pgid = await eventually('the command to start', () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined));
    const job = await demo.client.waitForJob(id);
    assert.equal(job.state, 'FAILED');
    assert.match(job.reason ?? '', /stopped at its timeout/);
    assert.equal(groupAlive(pgid), false, 'no process of the job outlives it');
  });

  it('cancel stops the whole process group at once and leaves no process behind', async () => {
    const pidFile = join(scratch, 'cancel.pid');
    const id = await submitRun({ command: ['sh', '-c', `echo $$ > ${pidFile}; sleep 60 & sleep 60`] });
    const pgid = await eventually('the command to start', () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined));
    assert.equal(groupAlive(pgid), true);
    const cancelled = await demo.client.cancelJob(id);
    assert.equal(cancelled.state, 'CANCELLED');
    await eventually('the process group to be gone', () => (groupAlive(pgid) ? undefined : true), 10_000);
  });

  it('gpulab result --out downloads the files a job that exited 3 kept, says it FAILED and exits 0; gpulab get lists them; another team is refused', async () => {
    const script = ['echo "epoch 9: loss nan" > "$GPULAB_OUTPUTS/train.log"', 'echo partial > "$GPULAB_OUTPUTS/model-epoch9.bin"', 'exit 3'].join('; ');
    const id = await submitRun({ command: ['sh', '-c', script] });
    const job = await demo.client.waitForJob(id);
    assert.equal(job.state, 'FAILED');
    const out = join(dir.path, 'result-failed');
    const download = await runCliInProcess(['result', id, '--out', out], demo.cliEnv);
    assert.equal(download.code, 0, download.stderr);
    assert.match(download.stderr, new RegExp(`job ${id} FAILED \\(exit 3\\): downloading the 2 files it kept`));
    assert.equal(readFileSync(join(out, 'train.log'), 'utf8'), 'epoch 9: loss nan\n');
    assert.equal(readFileSync(join(out, 'model-epoch9.bin'), 'utf8'), 'partial\n');
    const kept = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as { outcome: string; exitCode: number; reason: string; files: { name: string }[] };
    assert.equal(kept.outcome, 'failed');
    assert.equal(kept.exitCode, 3);
    assert.match(kept.reason, /the command exited with code 3/);
    assert.deepEqual(kept.files.map((f) => f.name).sort(), ['model-epoch9.bin', 'train.log']);

    const get = await runCliInProcess(['get', id], demo.cliEnv);
    assert.match(get.stdout, /^kept \(the job did not succeed\)$/m);
    assert.match(get.stdout, /files: .*train\.log/);
    const watch = await runCliInProcess(['watch', id], demo.cliEnv);
    assert.equal(watch.code, 1, watch.stderr);
    assert.match(watch.stderr, new RegExp(`the 2 files it kept: gpulab result ${id} --out DIR`));
    const shown = await runCliInProcess(['result', id, '--json'], demo.cliEnv);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal((JSON.parse(shown.stdout) as { outcome: string }).outcome, 'failed');

    // Who may download is unchanged: another team's job is refused as gpulab get refuses it, an unknown one is not found.
    const other = await runCliInProcess(['result', id, '--out', join(dir.path, 'result-other')], { GPULAB_ADDR: demo.stack.address, GPULAB_TOKEN: TOKENS.teams.other });
    assert.equal(other.code, 2, other.stderr);
    assert.match(other.stderr, /belongs to another team \(PERMISSION_DENIED\)/);
    assert.equal(existsSync(join(dir.path, 'result-other', 'train.log')), false);
    const unknown = await runCliInProcess(['result', 'j-01m8zzzzzzzzzzzzzzzzzzzzzz', '--out', join(dir.path, 'result-unknown')], demo.cliEnv);
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /NOT_FOUND/);
  });

  it('a job stopped at its timeout keeps what it wrote before, and gpulab result --out downloads it', async () => {
    const id = await submitRun({ command: ['sh', '-c', 'echo "epoch 1" > "$GPULAB_OUTPUTS/progress.txt"; sleep 60'], timeout: '2s' });
    const job = await demo.client.waitForJob(id);
    assert.equal(job.state, 'FAILED');
    const out = join(dir.path, 'result-timeout');
    const download = await runCliInProcess(['result', id, '--out', out], demo.cliEnv);
    assert.equal(download.code, 0, download.stderr);
    assert.match(download.stderr, new RegExp(`job ${id} FAILED \\(.*timeout.*\\): downloading the 1 file it kept`));
    assert.equal(readFileSync(join(out, 'progress.txt'), 'utf8'), 'epoch 1\n');
  });

  it('a job cancelled after it wrote files keeps them: gpulab result --out downloads them, saying it was CANCELLED', async () => {
    const ready = join(scratch, 'cancel-kept.ready');
    const id = await submitRun({ command: ['sh', '-c', `echo "epoch 4" > "$GPULAB_OUTPUTS/train.log"; touch ${ready}; sleep 60`] });
    await eventually('the command to write its file', () => (existsSync(ready) ? true : undefined), 30_000);
    const cancel = await runCliInProcess(['cancel', id], demo.cliEnv);
    assert.equal(cancel.code, 0, cancel.stderr);
    const out = join(dir.path, 'result-cancelled');
    // The files are stored while the command stops, in the stop grace after the cancel.
    const download = await eventually(
      'the cancelled job to keep its files',
      async () => {
        const run = await runCliInProcess(['result', id, '--out', out], demo.cliEnv);
        return run.code === 0 ? run : undefined;
      },
      15_000,
    );
    assert.match(download.stderr, new RegExp(`job ${id} CANCELLED \\(cancelled by [^)]+\\): downloading the 1 file it kept`));
    assert.equal(readFileSync(join(out, 'train.log'), 'utf8'), 'epoch 4\n');
    assert.equal((JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as { outcome: string }).outcome, 'cancelled');
    assert.equal((await demo.client.getJob(id)).state, 'CANCELLED');
  });

  it('a job whose worker is killed runs again with its checkpoint folder restored, and the old command killed', async () => {
    const pidFile = join(scratch, 'killed.pid');
    const script = [
      'n=$(cat "$GPULAB_CHECKPOINT_DIR/count" 2>/dev/null || echo 0)',
      'echo $((n + 1)) > "$GPULAB_CHECKPOINT_DIR/count"',
      `if [ "$n" -ge 1 ]; then echo "resumed from $n" > "$GPULAB_OUTPUTS/resumed.txt"; exit 0; fi`,
      `echo $$ > ${pidFile}`,
      'sleep 60',
    ].join('; ');
    const id = await submitRun({ command: ['sh', '-c', script] });
    const pgid = await eventually('the command to start', () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined));
    // The checkpoint is stored while the command runs (every 200 ms here), so a killed worker loses nothing saved.
    await new Promise((r) => setTimeout(r, 1000));
    const worker = workerOf(pgid);
    process.kill(worker, 'SIGKILL');
    const job = await demo.client.waitForJob(id);
    assert.equal(job.state, 'SUCCEEDED', job.reason);
    assert.equal(job.attempt, 2);
    const out = join(dir.path, 'result-resumed');
    await demo.client.downloadResult(id, out);
    assert.equal(readFileSync(join(out, 'resumed.txt'), 'utf8'), 'resumed from 1\n');
    assert.equal(groupAlive(pgid), false, "the killed worker's command was killed by the next attempt");
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ObjectNames } from '@gpulab/contracts';
import { GpulabError, type JobEventView } from '@gpulab/sdk';
import { runCliInProcess } from './cli-runner';
import { teamSuiteStack } from './course-stack';
import { StoreInspector } from './store-inspector';
import { tempDir } from './temp-dir';
import { eventually, groupAlive, workerOf } from './worker-processes';

const TOKENS = { tutor: 'tutor-token', teams: { demo: 'demo-token' } };
const FILES = 300;
const STOP_GRACE_S = 2;
const name = (i: number) => `f-${String(i).padStart(3, '0')}.bin`;

/**
 * A cancelled run job stores its outputs after its command stopped, in the stop grace. Its
 * worker is killed with -9 in the middle of that, once the first of its files is in the store
 * and before the record of them is: real scheduler, worker and nats-server processes.
 */
describe('run jobs: a worker killed while it stores a cancelled job\'s outputs', () => {
  const dir = tempDir('e2e-cancel-store-kill');
  const scratch = join(dir.path, 'scratch');
  const team = teamSuiteStack(dir, TOKENS, 'demo', {
    prepare: () => mkdirSync(scratch, { recursive: true }),
    booked: ['demo'],
    env: {
      GPULAB_WORK_DIR: join(dir.path, 'work'),
      GPULAB_STOP_GRACE: `${STOP_GRACE_S}s`,
      GPULAB_EXIT_SETTLE: '200ms',
      GPULAB_HEARTBEAT_INTERVAL: '200ms',
      GPULAB_HEARTBEAT_TIMEOUT: '1500ms',
    },
  });

  it('the job stays CANCELLED with no half list of files, says what was not saved, leaves no process, and the scheduler goes on', async () => {
    const pidFile = join(scratch, 'command.pid');
    const script = [
      `echo $$ > ${pidFile}.tmp`,
      `i=0; while [ $i -lt ${FILES} ]; do head -c 2048 /dev/urandom > "$GPULAB_OUTPUTS/f-$(printf %03d $i).bin"; i=$((i+1)); done`,
      `mv ${pidFile}.tmp ${pidFile}`,
      'sleep 60 & sleep 60',
    ].join('; ');
    const { job } = await team.client.submitJob({ kind: 'run', params: { command: ['sh', '-c', script] } });
    const pgid = await eventually('the command to write its files', () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined), 30_000);
    const worker = workerOf(pgid);
    const scheduler = team.stack.servicePid('scheduler');
    const store = await StoreInspector.open(team.stack.nats.url, team.stack.natsCreds('scheduler'));
    let stage: string;
    try {
      assert.equal((await team.client.cancelJob(job.id)).state, 'CANCELLED');
      // The store window: the command is stopped, then the files are stored one by one in name order, then their record.
      await eventually('the first file to be stored', async () => ((await store.resources.artifacts.info(ObjectNames.output(job.id, name(0)))) ? true : undefined), 15_000);
      process.kill(worker, 'SIGKILL');
      const last = await store.resources.artifacts.info(ObjectNames.output(job.id, name(FILES - 1)));
      const record = await store.resources.artifacts.info(ObjectNames.result(job.id));
      stage = record ? 'after the record' : last ? 'after the last file, before the record' : 'between the files';
    } finally {
      await store.close();
    }
    console.log(`worker ${worker} killed ${stage}`);

    // Past the window in which a cancelled attempt may still write (its stop grace and a margin).
    await new Promise((r) => setTimeout(r, (STOP_GRACE_S + 1) * 1000));
    const ended = await team.client.getJob(job.id);
    assert.equal(ended.state, 'CANCELLED');
    assert.equal(ended.attempt, 1, 'a cancelled job is not run again');
    const states: string[] = [];
    for await (const e of team.client.watchJob(job.id, AbortSignal.timeout(5000)) as AsyncIterable<JobEventView>) if (e.type === 'state') states.push(`${e.state}@${e.attempt}`);
    assert.deepEqual(states, ['QUEUED@0', 'SCHEDULED@1', 'RUNNING@1', 'CANCELLED@1']);
    assert.equal(groupAlive(pgid), false, "no process of the command outlives its worker");

    // Either every file is listed and downloads, or nothing is and the answer says what was not saved.
    const out = join(dir.path, 'result');
    const download = await runCliInProcess(['result', job.id, '--out', out], team.cliEnv);
    const get = await runCliInProcess(['get', job.id], team.cliEnv);
    if (download.code === 0) {
      assert.equal(readdirSync(out).filter((f) => f.startsWith('f-')).length, FILES, download.stderr);
      assert.match(get.stdout, /^kept \(the job did not succeed\)$/m);
    } else {
      assert.doesNotMatch(get.stdout, /^kept/m, 'no half list of files');
      assert.match(download.stderr, new RegExp(`in the stop grace after the cancel at ${ended.finishedAt?.toISOString()}; .* otherwise its worker ended before it stored the list of its files and none of them can be downloaded \\("gpulab outputs rm ${job.id}" frees`));
      assert.deepEqual(existsSync(out) ? readdirSync(out) : [], []);
    }

    // What the killed worker did store counts as the team's until deleted, and deleting it frees every byte.
    const usage = (await team.client.listArtifacts()).usage[0]?.jobOutputBytes ?? 0;
    const deleted = await team.client.deleteJobOutputs(job.id);
    assert.equal(deleted.freedBytes, usage);
    assert.equal((await team.client.listArtifacts()).usage[0]?.jobOutputBytes ?? 0, 0);

    // The scheduler lived through it and goes on running jobs.
    assert.equal(team.stack.servicePid('scheduler'), scheduler);
    const next = await team.client.submitJob({ kind: 'run', params: { command: ['sh', '-c', 'echo ok > "$GPULAB_OUTPUTS/ok.txt"'] } });
    const done = await team.client.waitForJob(next.job.id);
    assert.equal(done.state, 'SUCCEEDED', done.reason);
    const again = await team.client.downloadResult(next.job.id, join(dir.path, 'next'));
    assert.ok(again.some((f) => f.name === 'ok.txt'));
    await assert.rejects(team.client.cancelJob(job.id), (e: unknown) => e instanceof GpulabError && e.code === 'FAILED_PRECONDITION');
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCliInProcess } from './cli-runner';
import { teamSuiteStack } from './course-stack';
import { tempDir } from './temp-dir';

const TOKENS = { tutor: 'tutor-token', teams: { demo: 'demo-token' } };
const LIMIT_MB = 1;
const KIB = 1024;

/** A shell line writing `bytes` zero bytes to `name` under the outputs folder. */
const output = (name: string, bytes: number) => `head -c ${bytes} /dev/zero > "$GPULAB_OUTPUTS/${name}"`;

/**
 * A run job's outputs against a team storage of 1 MB, checked by the scheduler where the worker's
 * writes arrive, with the usage the gateway shows.
 */
describe("run jobs: outputs beyond the team's storage", () => {
  const dir = tempDir('e2e-run-job-storage');
  const team = teamSuiteStack(dir, TOKENS, 'demo', {
      env: { GPULAB_WORK_DIR: join(dir.path, 'work'), GPULAB_TEAM_STORAGE_MB: String(LIMIT_MB), GPULAB_EXIT_SETTLE: '200ms' },
    });

  it('keeps the outputs in name order up to the first that does not fit, drops it and the rest, and fails saying how much was kept and dropped', async () => {
    const script = [output('a.bin', 300 * KIB), output('b.bin', 400 * KIB), output('c.bin', 600 * KIB), 'echo small > "$GPULAB_OUTPUTS/d.txt"'].join('; ');
    const run = await runCliInProcess(['submit', 'run', '--set', `command=sh -c '${script}'`, '--wait', '--json'], team.cliEnv);
    const job = JSON.parse(run.stdout) as { id: string; state: string; reason: string };
    assert.equal(job.state, 'FAILED', run.stderr);
    // d.txt would still fit, but comes after c.bin: what is kept is the outputs up to a name.
    assert.equal(job.reason, 'outputs: kept 2 files (0.68 MB), dropped 2 files (0.59 MB): team storage full (quota 1.00 MB)');
    const get = await runCliInProcess(['get', job.id], team.cliEnv);
    assert.match(get.stdout, /reason +outputs: kept 2 files/);

    const usage = (await team.client.listArtifacts()).usage[0];
    assert.ok(usage.jobOutputBytes >= 700 * KIB, `the kept files are counted (${usage.jobOutputBytes} bytes)`);
    assert.ok(usage.jobOutputBytes <= LIMIT_MB * 1024 * KIB, `nothing beyond the limit is stored (${usage.jobOutputBytes} bytes)`);

    // The space the kept files take comes back once they are deleted, in the scheduler's count too.
    await team.client.deleteJobOutputs(job.id);
    const again = await runCliInProcess(['submit', 'run', '--set', `command=sh -c '${output('a.bin', 600 * KIB)}'`, '--wait', '--json'], team.cliEnv);
    const second = JSON.parse(again.stdout) as { state: string; reason?: string };
    assert.equal(second.state, 'SUCCEEDED', second.reason);
  });

  it('fails a command that exited non-zero with its own reason first and what its full storage dropped after', async () => {
    const id = (await team.client.submitJob({ kind: 'run', params: { command: ['sh', '-c', `${output('big.bin', 2048 * KIB)}; exit 4`] } })).job.id;
    const job = await team.client.waitForJob(id);
    assert.equal(job.state, 'FAILED');
    assert.match(job.reason ?? '', /^the command exited with code 4/);
    assert.match(job.reason ?? '', /\noutputs: kept 0 files \(0\.00 MB\), dropped 1 file \(2\.00 MB\): team storage full \(quota 1\.00 MB\)/);
  });
});

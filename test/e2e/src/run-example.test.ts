import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type JobEventView } from '@gpulab/sdk';
import { runCliInProcess } from './cli-runner';
import { teamSuiteStack } from './course-stack';
import { tempDir } from './temp-dir';

const TOKENS = { tutor: 'tutor-token', teams: { demo: 'demo-token' } };

/** The Python example of README.md's "Run your own training", so the README shows what is run here. */
function readmeExample(): string {
  const readme = readFileSync(resolve(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const block = /<!-- example:train\.py[^>]*-->\n```python\n([\s\S]*?)```\n<!-- \/example -->/.exec(readme);
  assert.ok(block, 'README.md holds the example between <!-- example:train.py --> and <!-- /example -->');
  return block[1];
}

describe('README\'s run example', () => {
  const dir = tempDir('e2e-run-example');
  const team = teamSuiteStack(dir, TOKENS, 'demo', { env: { GPULAB_WORK_DIR: join(dir.path, 'work') } });

  it('runs through gpulab run --code DIR: its epochs as progress, its checkpoint stored, its summary as output', async () => {
    const code = join(dir.path, 'project');
    mkdirSync(code, { recursive: true });
    writeFileSync(join(code, 'train.py'), readmeExample());
    const csv = join(dir.path, 'train.csv');
    writeFileSync(csv, '1,2,0\n3,4,1\n5,6,0\n');
    const input = await team.client.upload(csv);

    const run = await runCliInProcess(['run', '--code', code, '--input', `train=${input.id}`, '--', 'python3', 'train.py'], team.cliEnv);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\[err\] done\n/);
    const id = /submitted (\S+)/.exec(run.stderr)![1];

    const events: JobEventView[] = [];
    await team.client.waitForJob(id, (e) => events.push(e));
    const epochs = [...new Set(events.flatMap((e) => (e.type === 'progress' && e.message ? [e.message] : [])))];
    // The progress file is read every so often, so lines written in a burst may arrive as the latest only.
    assert.ok(epochs.every((m) => /^epoch \d+\/12$/.test(m)), epochs.join(', '));
    assert.equal(epochs.at(-1), 'epoch 12/12');
    assert.ok(events.some((e) => e.type === 'progress' && e.fraction === 1));

    const result = await team.client.readResult(id);
    assert.equal(result.exitCode, 0);
    assert.equal(result.checkpointFiles, 1);
    const out = join(dir.path, 'results');
    await team.client.downloadResult(id, out);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { rows: number; epoch: number; loss: number };
    assert.equal(summary.rows, 3);
    assert.equal(summary.epoch, 12);
    assert.ok(Math.abs(summary.loss - 0.8 ** 12) < 1e-9);
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LocalStack } from '@gpulab/local-stack';
import { startCourseStack } from './course-stack';
import { PNG } from 'pngjs';
import { runCli } from './cli-runner';
import { tempDir } from './temp-dir';

const TOKENS = { tutor: 'tutor-token', teams: { demo: 'demo-token', other: 'other-token' } };

describe('looking inside a trained CNN through the CLI', () => {
  const dir = tempDir('e2e-net');
  let stack: LocalStack;
  let env: NodeJS.ProcessEnv;
  let model: string;

  before(async () => {
    stack = await startCourseStack(dir.path, TOKENS);
    env = { GPULAB_ADDR: stack.address, GPULAB_TOKEN: TOKENS.teams.demo };
    const train = await runCli(['submit', 'train-classifier', '--dataset', 'mnist', '--set', 'rows=3000', '--set', 'epochs=2', '--wait', '--json'], env);
    assert.equal(train.code, 0, train.stderr);
    const job = JSON.parse(train.stdout);
    assert.ok(job.result.testAccuracy > 0.8, `test accuracy ${job.result.testAccuracy}`);
    model = job.id;
  });

  after(async () => {
    await stack?.close();
    dir.remove();
  });

  it('saliency puts more mass on the ink than on the background, and its heat map downloads', async () => {
    const run = await runCli(['submit', 'saliency', '--dataset', 'mnist', '--set', `model=${model}`, '--set', 'index=3', '--wait', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const job = JSON.parse(run.stdout);
    assert.ok(job.result.inkMass.ratio > 1, `ink / background ${job.result.inkMass.ratio}`);
    assert.equal(typeof job.result.predictedClass, 'number');
    const out = join(dir.path, 'saliency');
    assert.equal((await runCli(['result', job.id, '--out', out], env)).code, 0);
    assert.deepEqual(readdirSync(out).sort(), ['input.png', 'result.json', 'saliency-overlay.png', 'saliency.npy', 'saliency.png']);
    const png = PNG.sync.read(readFileSync(join(out, 'saliency.png')));
    assert.equal(png.width, png.height);
  });

  it('FGSM with ε = 0.1 flips a share of the correct predictions and reports the rate', async () => {
    const run = await runCli(['submit', 'adversarial', '--dataset', 'mnist', '--set', `model=${model}`, '--set', 'epsilon=0.1', '--set', 'count=200', '--wait', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const r = JSON.parse(run.stdout).result;
    assert.equal(r.count, 200);
    assert.ok(r.successRate > 0.1, `success rate ${r.successRate}`);
    assert.ok(r.accuracyAfter < r.accuracyBefore, `accuracy ${r.accuracyBefore} → ${r.accuracyAfter}`);
    assert.ok(r.examples.length > 0);
  });

  it('refuses an ε outside (0, 1] before queueing', async () => {
    const run = await runCli(['submit', 'adversarial', '--dataset', 'mnist', '--set', `model=${model}`, '--set', 'epsilon=0'], env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /epsilon must be in \(0, 1\].*INVALID_ARGUMENT/s);
  });

  it("refuses another team's model as PERMISSION_DENIED, and a job that is not a training job", async () => {
    const other = await runCli(['submit', 'saliency', '--dataset', 'mnist', '--set', `model=${model}`], { ...env, GPULAB_TOKEN: TOKENS.teams.other });
    assert.equal(other.code, 2);
    assert.match(other.stderr, /PERMISSION_DENIED/);
    const pca = JSON.parse((await runCli(['submit', 'pca', '--dataset', 'seed-example', '--wait', '--json'], env)).stdout);
    const notModel = await runCli(['submit', 'saliency', '--dataset', 'mnist', '--set', `model=${pca.id}`], env);
    assert.equal(notModel.code, 2);
    assert.match(notModel.stderr, /did not write a model/);
  });

  it('fails a job on a layer that does not exist, listing the layers there are', async () => {
    const run = await runCli(['submit', 'activations', '--dataset', 'mnist', '--set', `model=${model}`, '--set', 'layer=conv9', '--wait', '--json'], env);
    assert.equal(run.code, 1);
    assert.match(run.stdout + run.stderr, /conv9/);
    assert.match(run.stdout + run.stderr, /conv1/);
  });
});

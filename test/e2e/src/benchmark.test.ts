import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type LocalStack } from '@gpulab/local-stack';
import { runCliInProcess } from './cli-runner';
import { startCourseStack } from './course-stack';
import { tempDir } from './temp-dir';

const TOKENS = { tutor: 'tutor-token', teams: { demo: 'demo-token' } };

describe('framework benchmarks through the CLI', () => {
  const dir = tempDir('e2e-benchmark');
  let stack: LocalStack;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    stack = await startCourseStack(dir.path, TOKENS);
    env = { GPULAB_ADDR: stack.address, GPULAB_TOKEN: TOKENS.teams.demo };
  });

  after(async () => {
    await stack?.close();
    dir.remove();
  });

  it('a tiny ResNet-50 benchmark on cpu reports seconds per 1,000 images and the features of every image', async () => {
    const run = await runCliInProcess(
      ['submit', 'benchmark', '--set', 'model=resnet50', '--set', 'images=8', '--set', 'inputSize=64', '--set', 'batchSize=4', '--set', 'backends=cpu', '--wait', '--json'],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    const job = JSON.parse(run.stdout);
    assert.equal(job.state, 'SUCCEEDED');
    const { result } = job;
    assert.equal(result.model, 'resnet50');
    assert.equal(result.inputSource, 'synthetic');
    assert.deepEqual(result.featureShape, [8, 2048]);
    assert.equal(result.rows.length, 1);
    const [row] = result.rows;
    assert.equal(row.backend, 'cpu');
    assert.equal(row.batches, 2);
    assert.ok(row.secondsPer1000Images > 0, `seconds per 1,000 images ${row.secondsPer1000Images}`);
    assert.ok(row.imagesPerSecond > 0);
    assert.ok(result.overheadMs.modelBuild > 0);
  });

  it('refuses an unknown model before queueing, naming the models there are', async () => {
    const run = await runCliInProcess(['submit', 'benchmark', '--set', 'model=vgg16'], env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /INVALID_ARGUMENT/);
    assert.match(run.stderr, /no benchmark model "vgg16"; the models are: resnet50, mobilenetv2, course-cnn/);
  });
});

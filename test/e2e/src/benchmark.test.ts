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

  it("keeps every finished row, and gpulab bench table shows the course CNN's rows beside none of the slide's", async () => {
    const tiny = ['submit', 'benchmark', '--set', 'model=course-cnn', '--set', 'images=8', '--set', 'inputSize=32', '--set', 'batchSize=4', '--set', 'backends=cpu', '--wait', '--json'];
    const jobIds: string[] = [];
    for (let i = 0; i < 2; i++) {
      const run = await runCliInProcess(tiny, env);
      assert.equal(run.code, 0, run.stderr);
      jobIds.push(JSON.parse(run.stdout).id);
    }
    // The rows are written just after the job succeeds, outside the scheduler's queue.
    let history: { rows: { jobId: string; batchSize: number; inputSize: number }[] } = { rows: [] };
    for (let tries = 0; tries < 50 && history.rows.length < 2; tries++) {
      const run = await runCliInProcess(['bench', 'history', '--model', 'course-cnn', '--backend', 'cpu', '--json'], env);
      assert.equal(run.code, 0, run.stderr);
      history = JSON.parse(run.stdout);
      if (history.rows.length < 2) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(history.rows.map((row) => row.jobId).sort(), [...jobIds].sort());
    assert.ok(history.rows.every((row) => row.batchSize === 4 && row.inputSize === 32));
    const text = await runCliInProcess(['bench', 'table', '--model', 'course-cnn'], env);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^MODEL\s+BACKEND\s+cpu: .*, batch 4$/m);
    assert.match(text.stdout, /^course-cnn\s+cpu\s+[\d.]+ \*/m);
    assert.doesNotMatch(text.stdout, /lecture slide/);
    const markdown = await runCliInProcess(['bench', 'table', '--markdown'], env);
    assert.match(markdown.stdout, /^\| resnet50 \| MXNet \(lecture slide\) \|/m);
  });

  it('refuses an unknown model before queueing, naming the models there are', async () => {
    const run = await runCliInProcess(['submit', 'benchmark', '--set', 'model=vgg16'], env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /INVALID_ARGUMENT/);
    assert.match(run.stderr, /no benchmark model "vgg16"; the models are: resnet50, mobilenetv2, course-cnn/);
  });
});

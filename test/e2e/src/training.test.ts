import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LocalStack } from '@gpulab/local-stack';
import { mnistDataset } from '@gpulab/compute';
import { initBackend, layerNames, loadModelFromFiles, type Tf, tfjs } from '@gpulab/neural';
import { type JobEventView } from '@gpulab/sdk';
import { PNG } from 'pngjs';
import { runCli } from './cli-runner';
import { startCourseStack } from './course-stack';
import { idxBytes } from './data-files';
import { tempDir } from './temp-dir';
import { workerPids } from './worker-processes';

const TOKENS = { tutor: 'tutor-token', teams: { demo: 'demo-token' } };

/**
 * Training through the real stack: gateway, scheduler, one worker process per attempt, NATS.
 * The workers are told to use the wasm backend (GPULAB_BACKEND), as a machine without
 * libtensorflow would choose anyway.
 */
describe('training a CNN through the CLI and the worker', () => {
  const dir = tempDir('e2e-train');
  let stack: LocalStack;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    stack = await startCourseStack(dir.path, TOKENS, { env: { GPULAB_BACKEND: 'wasm', GPULAB_EXIT_SETTLE: '200ms' } });
    env = { GPULAB_ADDR: stack.address, GPULAB_TOKEN: TOKENS.teams.demo };
  });

  after(async () => {
    await stack?.close();
    dir.remove();
  });

  it('trains on 2,000 MNIST digits, tests on the last 400, and the downloaded model loads and classifies', async () => {
    const run = await runCli(['submit', 'train-classifier', '--dataset', 'mnist', '--set', 'rows=2000', '--set', 'epochs=2', '--wait', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const job = JSON.parse(run.stdout);
    assert.equal(job.state, 'SUCCEEDED');
    assert.equal(job.backend, 'wasm');
    const result = job.result;
    assert.ok(result.testAccuracy > 0.85, `test accuracy ${result.testAccuracy}`);
    assert.deepEqual(result.rows, { train: 1440, validation: 160, test: 400 });
    assert.equal(result.history.length, 2);
    assert.equal(result.backend.name, 'wasm');
    assert.ok(result.imagesPerSecond > 0);

    const out = join(dir.path, 'model');
    const download = await runCli(['result', job.id, '--out', out], env);
    assert.equal(download.code, 0, download.stderr);
    assert.deepEqual(readdirSync(out).sort(), ['confusion.png', 'model.json', 'result.json', 'training.png', 'weights.bin']);
    assert.equal(PNG.sync.read(readFileSync(join(out, 'training.png'))).width, 1200);

    await initBackend('wasm');
    const tf = tfjs();
    const model = await loadModelFromFiles({ 'model.json': readFileSync(join(out, 'model.json')), 'weights.bin': readFileSync(join(out, 'weights.bin')) });
    assert.deepEqual(layerNames(model), result.layers);
    // The last 400 of the first 2,000 digits are the job's test rows: the model scores them as
    // the job did (up to a near tie that batching may round the other way).
    const { matrix, labels } = await mnistDataset.load();
    const x = tf.tensor4d(Float32Array.from(matrix.data.subarray(1600 * 784, 2000 * 784)), [400, 28, 28, 1]);
    const predicted = tf.tidy(() => tf.argMax(model.predict(x) as Tf.Tensor, 1).dataSync());
    const correct = predicted.filter((p, i) => p === labels!.codes[1600 + i]).length;
    assert.ok(Math.abs(correct / 400 - result.testAccuracy) <= 1 / 400, `${correct / 400} vs ${result.testAccuracy}`);
    x.dispose();
    model.dispose();
  });

  it('a worker killed after the first epoch is replaced, and the next attempt resumes from that checkpoint and finishes', async () => {
    const client = stack.client();
    try {
      const { job } = await client.submitJob({ kind: 'train-classifier', input: { dataset: 'mnist' }, params: { rows: 3000, epochs: 3 } });
      const events: JobEventView[] = [];
      let killed: number[] = [];
      for await (const event of client.watchJob(job.id, AbortSignal.timeout(90_000))) {
        events.push(event);
        if (event.type === 'log' && event.attempt === 1 && killed.length === 0 && /^epoch 1\/3: .*checkpoint saved$/.test(event.message)) {
          killed = workerPids(job.id);
          for (const pid of killed) process.kill(pid, 'SIGKILL');
        }
      }
      assert.equal(killed.length, 1, 'one worker was running the job and was killed');
      const done = await client.getJob(job.id);
      assert.equal(done.state, 'SUCCEEDED', done.reason);
      assert.equal(done.attempt, 2);
      const states = events.flatMap((e) => (e.type === 'state' ? [`${e.state}@${e.attempt}`] : []));
      assert.deepEqual(states, ['QUEUED@0', 'SCHEDULED@1', 'RUNNING@1', 'QUEUED@1', 'SCHEDULED@2', 'RUNNING@2', 'SUCCEEDED@2']);
      const logs = events.flatMap((e) => (e.type === 'log' ? [`${e.attempt}: ${e.message}`] : []));
      assert.ok(logs.includes('2: resumed from the checkpoint after epoch 1 of 3'), logs.join('\n'));
      assert.ok(!logs.some((l) => l.startsWith('2: epoch 1/3')), 'the second attempt does not train epoch 1 again');
      assert.ok(logs.some((l) => l.startsWith('2: epoch 3/3')));
      const result = done.result!;
      assert.equal(result.resumedFromEpoch, 1);
      assert.deepEqual((result.history as { epoch: number }[]).map((h) => h.epoch), [1, 2, 3]);
      assert.ok((result.testAccuracy as number) > 0.85, `test accuracy ${result.testAccuracy}`);
    } finally {
      client.close();
    }
  });

  it('trains on uploaded IDX images and labels, taking the image shape from the file', async () => {
    // 1,500 digits shrunk to 14 x 14: a shape gpulab cannot guess from the 196 columns.
    const { matrix, labels } = await mnistDataset.load();
    const n = 1500;
    const small = new Uint8Array(n * 196);
    for (let i = 0; i < n; i++) {
      for (let y = 0; y < 14; y++) {
        for (let x = 0; x < 14; x++) {
          let sum = 0;
          for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]]) sum += matrix.data[i * 784 + (2 * y + dy) * 28 + 2 * x + dx];
          small[i * 196 + y * 14 + x] = Math.round((255 * sum) / 4);
        }
      }
    }
    const images = join(dir.path, 'small-images-idx3-ubyte');
    const classes = join(dir.path, 'small-labels-idx1-ubyte');
    writeFileSync(images, idxBytes([n, 14, 14], small));
    writeFileSync(classes, idxBytes([n], Array.from(labels?.codes.subarray(0, n) ?? [], (c) => Number(labels?.names[c]))));
    const up = await runCli(['upload', images, '--labels', classes, '--json'], env);
    assert.equal(up.code, 0, up.stderr);
    const artifact = JSON.parse(up.stdout);
    assert.deepEqual(artifact.itemShape, [14, 14]);
    const run = await runCli(['submit', 'train-classifier', '--input', artifact.id, '--set', 'epochs=2', '--wait', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout).result;
    assert.equal(result.imageShape, '14x14x1');
    assert.equal(result.inputScale, 1 / 255);
    assert.ok(result.testAccuracy > 0.8, `test accuracy ${result.testAccuracy}`);
  });

  it('refuses to train on data without labels before queueing', async () => {
    const csv = join(dir.path, 'points.csv');
    writeFileSync(csv, 'a,b\n1,2\n3,4\n5,6\n');
    const run = await runCli(['submit', 'train-classifier', '--input', csv, '--set', 'imageShape=1x2x1'], env);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /needs a class for every row.*\(INVALID_ARGUMENT\)/s);
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNpy } from '@gpulab/compute';
import { type LocalStack } from '@gpulab/local-stack';
import { startCourseStack } from './course-stack';
import { PNG } from 'pngjs';
import { runCli } from './cli-runner';
import { tempDir } from './temp-dir';

const TOKENS = { tutor: 'tutor-token', teams: { demo: 'demo-token' } };

describe('data visualization jobs through the CLI', () => {
  const dir = tempDir('e2e-vis');
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

  it('t-SNE of 1,000 MNIST digits separates the digits, and its plot and embedding download', async () => {
    const run = await runCli(['submit', 'tsne', '--dataset', 'mnist', '--set', 'rows=1000', '--set', 'seed=1', '--wait', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const job = JSON.parse(run.stdout);
    assert.equal(job.state, 'SUCCEEDED');
    const result = job.result;
    assert.equal(result.points, 1000);
    assert.equal(result.method, 'barnes-hut');
    assert.ok(result.kl > 0 && result.kl < 2, `KL ${result.kl}`);
    // Ten classes that t-SNE keeps apart: the 10 nearest points mostly share a point's digit.
    assert.ok(result.knnAccuracy > 0.8, `10-NN accuracy ${result.knnAccuracy}`);
    assert.deepEqual(result.classes, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.equal(result.embedding.length, 1000);
    assert.deepEqual(Object.keys(result.timingsMs).sort(), ['affinities', 'neighbours', 'optimization', 'reduction']);
    assert.equal(result.klHistory.at(-1).iteration, 1000);

    const out = join(dir.path, 'tsne-out');
    const download = await runCli(['result', job.id, '--out', out], env);
    assert.equal(download.code, 0, download.stderr);
    assert.deepEqual(readdirSync(out).sort(), ['embedding.csv', 'embedding.npy', 'result.json', 'tsne.png']);
    const png = PNG.sync.read(readFileSync(join(out, 'tsne.png')));
    assert.equal(png.width, 1200);
    assert.equal(png.height, 900);
    const npy = parseNpy(readFileSync(join(out, 'embedding.npy')));
    assert.deepEqual(npy.shape, [1000, 2]);
    assert.ok(Math.abs(npy.data[0] - result.embedding[0][0]) < 1e-4 * Math.max(1, Math.abs(result.embedding[0][0])));
    const csv = readFileSync(join(out, 'embedding.csv'), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'dim1,dim2,label');
    assert.equal(csv.length, 1001);
  });

  it('PCA of MNIST picks the randomized solver and plots the first two components', async () => {
    const run = await runCli(['submit', 'pca', '--dataset', 'mnist', '--set', 'components=2', '--wait', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const job = JSON.parse(run.stdout);
    assert.equal(job.result.solver, 'randomized');
    assert.deepEqual(
      job.result.files.map((f: { name: string }) => f.name),
      ['embedding.npy', 'embedding.csv', 'pca.png'],
    );
  });

  it('refuses a perplexity too large for the data before queueing, and says the largest that works', async () => {
    const run = await runCli(['submit', 'tsne', '--dataset', 'seed-example', '--set', 'perplexity=30'], env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /INVALID_ARGUMENT/);
    assert.match(run.stderr, /perplexity 30 is too large for 10 points: it must be below \(n - 1\) \/ 3 = 3/);
  });

  it('refuses unknown t-SNE parameters and methods, naming the valid ones', async () => {
    const unknown = await runCli(['submit', 'tsne', '--dataset', 'mnist', '--set', 'perplexit=5'], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /tsne has no parameter "perplexit"; its parameters are: perplexity, iterations/);
    const method = await runCli(['submit', 'tsne', '--dataset', 'mnist', '--set', 'method=umap'], env);
    assert.equal(method.code, 2);
    assert.match(method.stderr, /method must be one of auto, exact, barnes-hut, fft/);
  });
});

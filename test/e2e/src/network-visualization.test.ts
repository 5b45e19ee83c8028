import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mnistDataset } from '@gpulab/compute';
import { type LocalStack } from '@gpulab/local-stack';
import { startCourseStack } from './course-stack';
import { PNG } from 'pngjs';
import { runCliInProcess } from './cli-runner';
import { tempDir } from './temp-dir';

const TOKENS = { tutor: 'tutor-token', teams: { demo: 'demo-token', other: 'other-token' } };

describe('looking inside a trained CNN through the CLI', () => {
  const dir = tempDir('e2e-net');
  let stack: LocalStack;
  let env: NodeJS.ProcessEnv;
  let model: string;
  let trainedArtifact: string;

  before(async () => {
    stack = await startCourseStack(dir.path, TOKENS);
    env = { GPULAB_ADDR: stack.address, GPULAB_TOKEN: TOKENS.teams.demo };
    const train = await runCliInProcess(['submit', 'train-classifier', '--dataset', 'mnist', '--set', 'rows=3000', '--set', 'epochs=2', '--wait', '--json'], env);
    assert.equal(train.code, 0, train.stderr);
    const job = JSON.parse(train.stdout);
    assert.ok(job.result.testAccuracy > 0.8, `test accuracy ${job.result.testAccuracy}`);
    model = job.id;
    trainedArtifact = job.result.modelArtifactId;
  });

  after(async () => {
    await stack?.close();
    dir.remove();
  });

  it('saliency puts more mass on the ink than on the background, and its heat map downloads', async () => {
    const run = await runCliInProcess(['submit', 'saliency', '--dataset', 'mnist', '--set', `model=${model}`, '--set', 'index=3', '--wait', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const job = JSON.parse(run.stdout);
    assert.ok(job.result.inkMass.ratio > 1, `ink / background ${job.result.inkMass.ratio}`);
    assert.equal(typeof job.result.predictedClass, 'number');
    const out = join(dir.path, 'saliency');
    assert.equal((await runCliInProcess(['result', job.id, '--out', out], env)).code, 0);
    assert.deepEqual(readdirSync(out).sort(), ['input.png', 'result.json', 'saliency-overlay.png', 'saliency.npy', 'saliency.png']);
    const png = PNG.sync.read(readFileSync(join(out, 'saliency.png')));
    assert.equal(png.width, png.height);
  });

  it("keeps the trained model as a model artifact of the team, whose id works like the job's", async () => {
    assert.match(trainedArtifact, /^art-[a-z2-7]{16}$/);
    const shown = await runCliInProcess(['artifacts', 'show', trainedArtifact], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`trained by job ${model}`));
    assert.match(shown.stdout, /model +model 28x28x1 → 10 classes/);
    const run = await runCliInProcess(['submit', 'visualbackprop', '--dataset', 'mnist', '--set', `model=${trainedArtifact}`, '--set', 'index=3', '--wait', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(JSON.parse(run.stdout).result.inkMass.ratio > 1);
  });

  it('FGSM with ε = 0.1 flips a share of the correct predictions and reports the rate', async () => {
    const run = await runCliInProcess(['submit', 'adversarial', '--dataset', 'mnist', '--set', `model=${model}`, '--set', 'epsilon=0.1', '--set', 'count=200', '--wait', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const r = JSON.parse(run.stdout).result;
    assert.equal(r.count, 200);
    assert.ok(r.successRate > 0.1, `success rate ${r.successRate}`);
    assert.ok(r.accuracyAfter < r.accuracyBefore, `accuracy ${r.accuracyBefore} → ${r.accuracyAfter}`);
    assert.ok(r.examples.length > 0);
  });

  it('refuses an ε outside (0, 1] before queueing', async () => {
    const run = await runCliInProcess(['submit', 'adversarial', '--dataset', 'mnist', '--set', `model=${model}`, '--set', 'epsilon=0'], env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /epsilon must be in \(0, 1\].*INVALID_ARGUMENT/s);
  });

  it("refuses another team's model as PERMISSION_DENIED, and a job that is not a training job", async () => {
    const other = await runCliInProcess(['submit', 'saliency', '--dataset', 'mnist', '--set', `model=${model}`], { ...env, GPULAB_TOKEN: TOKENS.teams.other });
    assert.equal(other.code, 2);
    assert.match(other.stderr, /PERMISSION_DENIED/);
    const pca = JSON.parse((await runCliInProcess(['submit', 'pca', '--dataset', 'seed-example', '--wait', '--json'], env)).stdout);
    const notModel = await runCliInProcess(['submit', 'saliency', '--dataset', 'mnist', '--set', `model=${pca.id}`], env);
    assert.equal(notModel.code, 2);
    assert.match(notModel.stderr, /did not write a model/);
  });

  describe('with an uploaded model and an uploaded picture', () => {
    let uploadedModel: string;
    let picture: string;
    let digit: number;

    before(async () => {
      // The trained model, downloaded and uploaded again as a student's own model would be.
      const out = join(dir.path, 'trained');
      assert.equal((await runCliInProcess(['result', model, '--out', out], env)).code, 0);
      const up = await runCliInProcess(['upload', join(out, 'model.json'), '--json'], env);
      assert.equal(up.code, 0, up.stderr);
      const artifact = JSON.parse(up.stdout);
      assert.equal(artifact.kind, 'model');
      assert.deepEqual(artifact.model.inputShape, [28, 28, 1]);
      uploadedModel = artifact.id;
      // A digit as a student photographs one: dark ink on white paper, in colour, larger than 28 x 28.
      const { matrix, labels } = await mnistDataset.load();
      const index = 7;
      digit = Number(labels?.names[labels.codes[index]]);
      const png = new PNG({ width: 84, height: 84 });
      for (let y = 0; y < 84; y++) {
        for (let x = 0; x < 84; x++) {
          const ink = matrix.data[index * 784 + Math.floor(y / 3) * 28 + Math.floor(x / 3)];
          const level = Math.round(255 * (1 - ink));
          png.data.set([level, level, Math.min(255, level + 20), 255], 4 * (y * 84 + x));
        }
      }
      const file = join(dir.path, 'digit.png');
      writeFileSync(file, PNG.sync.write(png));
      const pic = await runCliInProcess(['upload', file, '--json'], env);
      assert.equal(pic.code, 0, pic.stderr);
      assert.deepEqual(JSON.parse(pic.stdout).itemShape, [84, 84, 3]);
      picture = JSON.parse(pic.stdout).id;
    });

    it('saliency reads the picture fitted to the model (resized, gray, inverted) and says so', async () => {
      const run = await runCliInProcess(['submit', 'saliency', '--input', picture, '--set', `model=${uploadedModel}`, '--set', 'invert=true', '--wait', '--json'], env);
      assert.equal(run.code, 0, run.stderr);
      const r = JSON.parse(run.stdout).result;
      assert.equal(r.predictedClass, digit);
      const notes = r.inputNotes.join('\n');
      assert.match(notes, /resized from 84x84 to 28x28/);
      assert.match(notes, /converted RGB to gray/);
      assert.match(notes, /inverted/);
      assert.ok(r.inkMass.ratio > 1, `ink / background ${r.inkMass.ratio}`);
    });

    it('FGSM on one unlabelled picture pushes away from what the model predicts', async () => {
      const run = await runCliInProcess(['submit', 'adversarial', '--input', picture, '--set', `model=${uploadedModel}`, '--set', 'invert=true', '--set', 'epsilon=0.3', '--wait', '--json'], env);
      assert.equal(run.code, 0, run.stderr);
      const r = JSON.parse(run.stdout).result;
      assert.equal(r.count, 1);
      assert.equal(r.trueClassFrom, 'prediction');
      assert.equal(r.examples[0].originalClass, digit);
    });

    it('neural style takes its style from an uploaded picture', async () => {
      const run = await runCliInProcess(
        ['submit', 'neural-style', '--dataset', 'mnist', '--set', `model=${uploadedModel}`, '--set', `style=${picture}`, '--set', 'iterations=20', '--wait', '--json'],
        env,
      );
      assert.equal(run.code, 0, run.stderr);
      const r = JSON.parse(run.stdout).result;
      assert.ok(r.styleReduction > 1, `style loss reduced ${r.styleReduction}x`);
      assert.match(r.inputNotes.join('\n'), /style: resized from 84x84/);
    });

    it('refuses a picture as the model, a model as the input, and another team\'s uploaded model', async () => {
      const swapped = await runCliInProcess(['submit', 'saliency', '--input', picture, '--set', `model=${picture}`], env);
      assert.equal(swapped.code, 2);
      assert.match(swapped.stderr, /is a picture, not a model.*INVALID_ARGUMENT/s);
      const modelAsInput = await runCliInProcess(['submit', 'saliency', '--input', uploadedModel, '--set', `model=${uploadedModel}`], env);
      assert.equal(modelAsInput.code, 2);
      assert.match(modelAsInput.stderr, /is a model: give it as --set model=/);
      const other = await runCliInProcess(['submit', 'saliency', '--dataset', 'mnist', '--set', `model=${uploadedModel}`], { ...env, GPULAB_TOKEN: TOKENS.teams.other });
      assert.equal(other.code, 2);
      assert.match(other.stderr, /belongs to another team.*PERMISSION_DENIED/s);
    });

    it('uploads a model whose weights are in several shard files beside its model.json', async () => {
      const out = join(dir.path, 'trained');
      const sharded = join(dir.path, 'sharded');
      mkdirSync(sharded);
      const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
      const weights = readFileSync(join(out, 'weights.bin'));
      const half = Math.floor(weights.byteLength / 2);
      writeFileSync(join(sharded, 'group1-shard1of2.bin'), weights.subarray(0, half));
      writeFileSync(join(sharded, 'group1-shard2of2.bin'), weights.subarray(half));
      json.weightsManifest[0].paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin'];
      writeFileSync(join(sharded, 'model.json'), JSON.stringify(json));
      const up = await runCliInProcess(['upload', join(sharded, 'model.json'), '--json'], env);
      assert.equal(up.code, 0, up.stderr);
      const artifact = JSON.parse(up.stdout);
      assert.equal(artifact.weightsFilename, 'group1-shard1of2.bin+1');
      const run = await runCliInProcess(['submit', 'saliency', '--dataset', 'mnist', '--set', `model=${artifact.id}`, '--set', 'index=3', '--wait', '--json'], env);
      assert.equal(run.code, 0, run.stderr);
    });

    it('refuses a model whose weights do not belong to it, storing nothing', async () => {
      const out = join(dir.path, 'trained');
      const bad = join(dir.path, 'bad-model');
      mkdirSync(bad);
      writeFileSync(join(bad, 'model.json'), readFileSync(join(out, 'model.json')));
      writeFileSync(join(bad, 'weights.bin'), readFileSync(join(out, 'weights.bin')).subarray(4));
      const before = JSON.parse((await runCliInProcess(['artifacts', '--json'], env)).stdout).artifacts.length;
      const run = await runCliInProcess(['upload', join(bad, 'model.json')], env);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /weights\.bin has \d+ bytes but model\.json describes .* not from the same model.*INVALID_ARGUMENT/s);
      const listing = JSON.parse((await runCliInProcess(['artifacts', '--json'], env)).stdout);
      assert.equal(listing.artifacts.length, before);
      assert.equal(listing.uploads.length, 0);
    });
  });

  it('fails a job on a layer that does not exist, listing the layers there are', async () => {
    const run = await runCliInProcess(['submit', 'activations', '--dataset', 'mnist', '--set', `model=${model}`, '--set', 'layer=conv9', '--wait', '--json'], env);
    assert.equal(run.code, 1);
    assert.match(run.stdout + run.stderr, /conv9/);
    assert.match(run.stdout + run.stderr, /conv1/);
  });
});

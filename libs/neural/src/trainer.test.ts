import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from './backend';
import { buildCnn } from './cnn';
import { memoryCheckpoints } from './testing/memory-checkpoints';
import { DIGIT_SHAPE, mnistDigits } from './testing/mnist-digits';
import { tfjs } from './tfjs';
import { type BatchProgress, type EpochStats, evaluateClassifier, type LabelledImages, trainClassifier, type TrainerOptions } from './trainer';

/** A CNN small enough to train in well under a second on wasm. */
const SMALL = { imageShape: DIGIT_SHAPE, classes: 10, blocks: [8, 16], dense: 32 } as const;

function weightsOf(model: ReturnType<typeof buildCnn>): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

describe('training the CNN', () => {
  let train: LabelledImages;
  let heldOut: LabelledImages;

  before(async () => {
    await initBackend('wasm');
    train = await mnistDigits(0, 1000);
    heldOut = await mnistDigits(9000, 1000);
  });

  it('learns 1,000 MNIST digits to more than 85% on held-out digits in one epoch on wasm, in seconds', async () => {
    // The job's default architecture, with small batches: one epoch is only 1,000 images.
    const model = buildCnn({ ...SMALL, blocks: [16, 32], dense: 64, seed: 1 });
    const started = performance.now();
    const run = await trainClassifier(model, train, { ...SMALL, epochs: 1, batchSize: 16, learningRate: 0.003, seed: 1 });
    const seconds = (performance.now() - started) / 1000;
    const tested = evaluateClassifier(model, heldOut, DIGIT_SHAPE, 10);
    assert.ok(tested.accuracy > 0.85, `held-out accuracy ${tested.accuracy}`);
    assert.ok(seconds < 20, `${seconds.toFixed(1)} s`);
    assert.equal(run.history.length, 1);
    assert.ok(run.imagesPerSecond > 0);
    model.dispose();
  });

  it('reports every batch (loss, accuracy, images per second) and every epoch (training and validation), and leaks no tensors', async () => {
    const model = buildCnn({ ...SMALL, seed: 2 });
    const tensors = tfjs().memory().numTensors;
    const batches: BatchProgress[] = [];
    const epochs: number[] = [];
    const run = await trainClassifier(model, { x: train.x.subarray(0, 200 * 784), labels: train.labels.subarray(0, 200) }, {
      ...SMALL,
      epochs: 2,
      batchSize: 64,
      validation: { x: heldOut.x.subarray(0, 100 * 784), labels: heldOut.labels.subarray(0, 100) },
      onBatch: (b) => void batches.push(b),
      onEpoch: (e) => void epochs.push(e.epoch),
    });
    assert.deepEqual(
      batches.map((b) => `${b.epoch}.${b.batch}/${b.batches}`),
      ['1.1/4', '1.2/4', '1.3/4', '1.4/4', '2.1/4', '2.2/4', '2.3/4', '2.4/4'],
    );
    for (const b of batches) assert.ok(b.loss > 0 && b.accuracy >= 0 && b.accuracy <= 1 && b.imagesPerSecond > 0);
    assert.deepEqual(epochs, [1, 2]);
    for (const e of run.history) assert.ok(e.valLoss !== undefined && e.valAccuracy !== undefined && e.seconds > 0);
    assert.equal(tfjs().memory().numTensors, tensors);
    model.dispose();
  });

  it('is deterministic for a seed: the same weights and history twice, other ones for another seed', async () => {
    const data = { x: train.x.subarray(0, 300 * 784), labels: train.labels.subarray(0, 300) };
    const once = async (seed: number) => {
      const model = buildCnn({ ...SMALL, dropout: 0.3, seed });
      const run = await trainClassifier(model, data, { ...SMALL, epochs: 1, batchSize: 32, seed, shift: 1 });
      const weights = weightsOf(model);
      model.dispose();
      return { losses: run.history.map((h) => [h.loss, h.accuracy]), weights };
    };
    const [a, b, c] = [await once(7), await once(7), await once(8)];
    assert.deepEqual(a.losses, b.losses);
    assert.deepEqual(a.weights, b.weights);
    assert.notDeepEqual(a.losses, c.losses);
  });

  it('saves a checkpoint after every epoch, and a run stopped after epoch 1 resumes there and ends where an uninterrupted run ends', async () => {
    const data = { x: train.x.subarray(0, 300 * 784), labels: train.labels.subarray(0, 300) };
    const options: TrainerOptions = { ...SMALL, epochs: 3, batchSize: 32, seed: 3, shift: 1, learningRate: 0.003, schedule: 'linear' };

    const straight = buildCnn({ ...SMALL, seed: 3 });
    const uninterrupted = await trainClassifier(straight, data, { ...options, checkpoint: memoryCheckpoints() });

    const store = memoryCheckpoints();
    const stop = new AbortController();
    const first = buildCnn({ ...SMALL, seed: 3 });
    await assert.rejects(
      trainClassifier(first, data, { ...options, checkpoint: store, signal: stop.signal, onEpoch: (e) => void (e.epoch === 1 && stop.abort(new Error('preempted'))) }),
      /preempted/,
    );
    assert.equal(store.saved.length, 1, 'one checkpoint: after epoch 1');
    first.dispose();

    const messages: string[] = [];
    const second = buildCnn({ ...SMALL, seed: 3 });
    const resumed = await trainClassifier(second, data, { ...options, checkpoint: store, log: (_, m) => void messages.push(m) });
    assert.equal(resumed.resumedFromEpoch, 1);
    assert.deepEqual(messages, ['resumed from the checkpoint after epoch 1 of 3']);
    assert.deepEqual(resumed.history.map((h) => h.epoch), [1, 2, 3]);
    const figures = (h: EpochStats) => [h.epoch, h.loss, h.accuracy];
    assert.deepEqual(figures(resumed.history[0]), figures(uninterrupted.history[0]));
    assert.equal(store.saved.length, 3);
    // Adam's restored state differs from the running one only in rounding.
    for (let e = 1; e < 3; e++) assert.ok(Math.abs(resumed.history[e].loss - uninterrupted.history[e].loss) < 1e-4, `epoch ${e + 1} loss`);
    const [w1, w2] = [weightsOf(straight), weightsOf(second)];
    w1.forEach((w, i) => w.forEach((v, j) => assert.ok(Math.abs(v - w2[i][j]) < 1e-3, `weight ${i}[${j}]: ${v} vs ${w2[i][j]}`)));
    straight.dispose();
    second.dispose();
  });

  it('starts from the beginning, with a warning, when the checkpoint belongs to another configuration', async () => {
    const data = { x: train.x.subarray(0, 100 * 784), labels: train.labels.subarray(0, 100) };
    const store = memoryCheckpoints();
    const model = buildCnn({ ...SMALL, seed: 4 });
    await trainClassifier(model, data, { ...SMALL, epochs: 1, checkpoint: store, fingerprint: 'one' });
    const warnings: string[] = [];
    const run = await trainClassifier(model, data, { ...SMALL, epochs: 1, checkpoint: store, fingerprint: 'another', log: (level, m) => void (level === 'warn' && warnings.push(m)) });
    assert.equal(run.resumedFromEpoch, 0);
    assert.match(warnings.join(), /another configuration/);
    model.dispose();
  });

  it('starts from the beginning, with a warning, when the checkpoint cannot be read', async () => {
    const data = { x: train.x.subarray(0, 100 * 784), labels: train.labels.subarray(0, 100) };
    const warnings: string[] = [];
    const model = buildCnn({ ...SMALL, seed: 4 });
    const store = { load: async () => new Uint8Array([1, 2, 3, 4, 5]), save: async () => {} };
    const run = await trainClassifier(model, data, { ...SMALL, epochs: 1, checkpoint: store, log: (level, m) => void (level === 'warn' && warnings.push(m)) });
    assert.equal(run.resumedFromEpoch, 0);
    assert.match(warnings.join(), /the training checkpoint cannot be read: .*; training from the start/);
    model.dispose();
  });

  it('stops between batches when its signal is aborted', async () => {
    const model = buildCnn({ ...SMALL, seed: 5 });
    const stop = new AbortController();
    let batches = 0;
    await assert.rejects(
      trainClassifier(model, train, { ...SMALL, epochs: 1, batchSize: 10, signal: stop.signal, onBatch: () => void (++batches === 3 && stop.abort(new Error('cancelled by tutor'))) }),
      /cancelled by tutor/,
    );
    assert.equal(batches, 3);
    model.dispose();
  });
});

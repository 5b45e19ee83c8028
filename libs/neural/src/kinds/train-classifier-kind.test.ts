import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError, InvalidParameterError, type Labels, type Matrix, mnistDataset, prepareParams } from '@gpulab/compute';
import { initBackend } from '../backend';
import { layerNames, loadModelFromFiles } from '../model-files';
import { testJobContext } from '../testing/job-context';
import { trainClassifierKind } from './train-classifier-kind';

const MNIST = { rows: 10_000, cols: 784, labeled: true };

/** A job context as the worker gives one, recording what the job reports. */
function context(params: Record<string, unknown>, input: Matrix, labels: Labels | undefined) {
  // Compiled as the worker does after the gateway checked the input is labelled.
  const p = trainClassifierKind.compile(params, { rows: input.rows, cols: input.cols, labeled: true });
  return { ...testJobContext({ input, labels }), p };
}

describe('the train-classifier job kind', () => {
  let digits: { matrix: Matrix; labels: Labels };

  before(async () => {
    await initBackend('wasm');
    const { matrix, labels } = await mnistDataset.load();
    digits = { matrix: { rows: 600, cols: 784, data: matrix.data.slice(0, 600 * 784) }, labels: { codes: labels!.codes.slice(0, 600), names: labels!.names } };
  });

  it('fills in the defaults and infers 28x28x1 for MNIST', () => {
    assert.deepEqual(prepareParams(trainClassifierKind, {}, MNIST), {
      epochs: 3,
      batchSize: 16,
      learningRate: 0.002,
      schedule: 'linear',
      validationSplit: 0.1,
      testSplit: 0.2,
      seed: 0,
      blocks: '16,32',
      kernelSize: 5,
      dense: 256,
      dropout: 0,
      shift: 1,
      imageShape: '28x28x1',
      rows: 10_000,
    });
    assert.deepEqual(prepareParams(trainClassifierKind, { blocks: '8, 16 ,32', epochs: '5', rows: '2000' }, MNIST), {
      ...prepareParams(trainClassifierKind, {}, MNIST),
      blocks: '8,16,32',
      epochs: 5,
      rows: 2000,
    });
  });

  it('refuses data without labels, saying how to give them', () => {
    assert.throws(
      () => prepareParams(trainClassifierKind, {}, { rows: 100, cols: 784 }),
      (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'input' && /needs a class for every row.*--label-column/.test(e.message),
    );
  });

  it('refuses parameters that cannot work, naming them', () => {
    const refuses = (params: Record<string, unknown>, parameter: string, message: RegExp) =>
      assert.throws(() => prepareParams(trainClassifierKind, params, MNIST), (e: unknown) => e instanceof InvalidParameterError && e.parameter === parameter && message.test(e.message));
    refuses({ epoch: 3 }, 'epoch', /no parameter "epoch"; its parameters are: epochs, batchSize/);
    refuses({ schedule: 'cosine' }, 'schedule', /schedule must be one of linear, constant/);
    refuses({ blocks: '16,x' }, 'blocks', /whole numbers from 1 to 512/);
    refuses({ blocks: '8,8,8,8,8' }, 'blocks', /at most 4 blocks fit/);
    refuses({ imageShape: '32x32x3' }, 'imageShape', /3072 values per image but the data has 784 columns/);
    refuses({ learningRate: 0 }, 'learningRate', /between/);
    refuses({ rows: 3, testSplit: 0.5, validationSplit: 0.5 }, 'rows', /3 rows leave none to train on/);
    assert.throws(() => prepareParams(trainClassifierKind, {}, { rows: 10, cols: 100, labeled: true }), /--set imageShape=/);
  });

  it('trains, tests on the last rows, and leaves the model, its curves and its confusion matrix', async () => {
    const { ctx, p, progress, logs } = context({ epochs: 2 }, digits.matrix, digits.labels);
    const out = await trainClassifierKind.run(ctx, p);
    const r = out.result;
    assert.equal(out.backend, 'wasm');
    assert.deepEqual((r.backend as { name: string }).name, 'wasm');
    assert.deepEqual(r.rows, { train: 432, validation: 48, test: 120 });
    assert.ok((r.testAccuracy as number) > 0.8, `test accuracy ${r.testAccuracy}`);
    assert.ok((r.testLoss as number) > 0);
    assert.equal((r.history as unknown[]).length, 2);
    assert.deepEqual(r.classes, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.deepEqual(r.modelFiles, ['model.json', 'weights.bin']);
    assert.equal(r.resumedFromEpoch, 0);
    assert.equal(r.inputScale, 1);
    assert.ok((r.imagesPerSecond as number) > 0);
    const confusion = r.confusionMatrix as number[][];
    assert.equal(confusion.flat().reduce((a, b) => a + b, 0), 120);
    assert.deepEqual(
      out.files?.map((f) => f.name),
      ['model.json', 'weights.bin', 'training.png', 'confusion.png'],
    );
    const files = Object.fromEntries(out.files!.map((f) => [f.name, f.bytes]));
    const model = await loadModelFromFiles({ 'model.json': files['model.json'], 'weights.bin': files['weights.bin'] });
    assert.deepEqual(layerNames(model), r.layers);
    model.dispose();
    assert.equal(progress.at(-1)?.[0], 1);
    assert.ok(progress.some(([, m]) => /^epoch 1\/2, batch \d+\/27: loss [\d.]+, accuracy [\d.]+%, \d+ images\/s$/.test(m)));
    assert.match(logs.join('\n'), /info: epoch 2\/2: loss [\d.]+, accuracy [\d.]+%, validation loss [\d.]+, validation accuracy [\d.]+%.*checkpoint saved/);
    assert.match(logs.join('\n'), /info: test: loss [\d.]+, accuracy [\d.]+% on 120 held-out rows/);
  });

  it('scales pixels of 0..255 in a first layer of the model, so the model takes the data as given', async () => {
    const bytes = { ...digits.matrix, rows: 200, data: digits.matrix.data.slice(0, 200 * 784).map((v) => Math.round(v * 255)) };
    const { ctx, p } = context({ epochs: 1, blocks: '4', dense: 0 }, bytes, digits.labels);
    const out = await trainClassifierKind.run(ctx, p);
    assert.equal(out.result.inputScale, 1 / 255);
    assert.equal((out.result.layers as string[])[0], 'scale');
  });

  it('warns when the test rows hold classes the training never showed (rows sorted by class)', async () => {
    const sorted = { codes: Int32Array.from({ length: 200 }, (_, i) => (i < 160 ? 0 : 1)), names: ['a', 'b'] };
    const { ctx, p, logs } = context({ epochs: 1, blocks: '4', dense: 0, validationSplit: 0 }, { ...digits.matrix, rows: 200 }, sorted);
    await trainClassifierKind.run(ctx, p);
    assert.match(logs.join('\n'), /warn: the test rows \(the last ones\) hold classes the training rows never show \(b\): are the rows sorted by class\?/);
  });

  it('refuses to run without labels', async () => {
    const { ctx, p } = context({}, digits.matrix, undefined);
    await assert.rejects(trainClassifierKind.run(ctx, p), (e: unknown) => e instanceof InvalidInputError && e.code === 'LABELS_MISSING');
  });
});

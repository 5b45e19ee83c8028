import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeModelBundle } from '@gpulab/contracts';
import { type JobContext } from '@gpulab/compute';
import { initBackend } from '../backend';
import { buildCnn } from '../cnn';
import { saveModelFiles } from '../model-files';
import { testJobContext } from '../testing/job-context';
import { inputImage, loadSubject } from './subject';

const ARTIFACT = 'art-abcdefghijklmnop';

/** A job context whose model is an uploaded one and whose input is one row of `inputShape`. */
async function contextWith(row: Float64Array, inputShape: number[], picture: boolean, inputScale: number): Promise<JobContext> {
  const model = buildCnn({ imageShape: [28, 28, 1], classes: 10, blocks: [2], dense: 0, inputScale });
  const files = await saveModelFiles(model);
  model.dispose();
  const bundle = encodeModelBundle({ modelJson: files['model.json'], weights: files['weights.bin'] });
  return testJobContext({ input: { rows: 1, cols: row.length, data: row }, inputShape, inputPicture: picture, artifacts: { [ARTIFACT]: bundle } }).ctx;
}

describe('the input of a visualization job', () => {
  before(async () => {
    await initBackend('cpu');
  });

  it('loads an uploaded model from its artifact', async () => {
    const subject = await loadSubject(await contextWith(new Float64Array(784), [28, 28], false, 1), ARTIFACT);
    assert.deepEqual(subject.imageShape, [28, 28, 1]);
    assert.deepEqual(subject.layers, ['conv1', 'pool1', 'flatten', 'logits', 'softmax']);
    subject.model.dispose();
  });

  it('fits a larger RGB picture to the model, and brings it to the range a model trained on 0..255 takes', async () => {
    const row = new Float64Array(56 * 56 * 3).fill(0.5);
    const context = await contextWith(row, [56, 56, 3], true, 1 / 255);
    const subject = await loadSubject(context, ARTIFACT);
    const { image } = inputImage(subject, context, 0);
    assert.deepEqual(image.shape, [1, 28, 28, 1]);
    const values = image.dataSync();
    assert.ok(Math.abs(values[0] - 127.5) < 0.01, `value ${values[0]}`);
    assert.match(subject.notes.join('\n'), /resized from 56x56 to 28x28.*\n.*converted RGB to gray.*\n.*multiplied by 255/);
    image.dispose();
    subject.model.dispose();
  });

  it("leaves a data set row of the model's shape as it is, and inverts it when asked", async () => {
    const row = new Float64Array(784).fill(0.25);
    const context = await contextWith(row, [28, 28], false, 1);
    const subject = await loadSubject(context, ARTIFACT);
    const plain = inputImage(subject, context, 0).image;
    const inverted = inputImage(subject, context, 0, true).image;
    assert.equal(plain.dataSync()[0], 0.25);
    assert.equal(inverted.dataSync()[0], 0.75);
    assert.match(subject.notes.join('\n'), /inverted/);
    subject.tf.dispose([plain, inverted]);
    subject.model.dispose();
  });

  it('fits a data set row of 0..255 values to a model trained on them without clipping it to 0..1', async () => {
    const row = new Float64Array(56 * 56).fill(200);
    const context = await contextWith(row, [56, 56], false, 1 / 255);
    const subject = await loadSubject(context, ARTIFACT);
    const { image } = inputImage(subject, context, 0, true);
    assert.deepEqual(image.shape, [1, 28, 28, 1]);
    assert.ok(Math.abs(image.dataSync()[0] - 55) < 0.01, `value ${image.dataSync()[0]}`);
    assert.doesNotMatch(subject.notes.join('\n'), /multiplied/);
    image.dispose();
    subject.model.dispose();
  });

  it('refuses a row of another size that says nothing of its shape', async () => {
    const context = await contextWith(new Float64Array(100), [], false, 1);
    const subject = await loadSubject({ ...context, inputShape: undefined }, ARTIFACT);
    assert.throws(() => inputImage(subject, { ...context, inputShape: undefined }, 0), /rows have 100 values, but the model takes 28x28x1 images/);
    subject.model.dispose();
  });
});

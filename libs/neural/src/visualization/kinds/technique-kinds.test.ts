import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeModelBundle } from '@gpulab/contracts';
import { type JobContext } from '@gpulab/compute';
import { initBackend } from '../../backend';
import { saveModelFiles } from '../../model-files';
import { testJobContext } from '../../testing/job-context';
import { tfjs } from '../../tfjs';
import { VISUALIZATION_KINDS } from '.';

const ARTIFACT = 'art-kerasmodelnamesa';

/** An uploaded model as Keras names its layers (conv2d_7, …), and one digit-sized input row. */
async function kerasContext(): Promise<JobContext> {
  const tf = tfjs();
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ name: 'conv2d_7', filters: 3, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      tf.layers.flatten({ name: 'flatten_2' }),
      tf.layers.dense({ name: 'dense_4', units: 10, activation: 'softmax' }),
    ],
  });
  const files = await saveModelFiles(model);
  model.dispose();
  const bundle = encodeModelBundle({ modelJson: files['model.json'], weights: files['weights.bin'] });
  return testJobContext({ input: { rows: 1, cols: 784, data: new Float64Array(784).fill(0.5) }, artifacts: { [ARTIFACT]: bundle } }).ctx;
}

const kind = (name: string) => VISUALIZATION_KINDS.find((k) => k.name === name) ?? assert.fail(`no kind ${name}`);

describe('visualization jobs on an uploaded Keras-style model', () => {
  before(async () => {
    await initBackend('cpu');
  });

  it("filters and activations default to the model's first convolution, whatever it is called", async () => {
    const filters = await kind('filters').run(await kerasContext(), kind('filters').compile({ model: ARTIFACT }, undefined));
    assert.equal(filters.result.layer, 'conv2d_7');
    assert.equal(filters.result.filters, 3);
    const compiled = kind('activations').compile({ model: ARTIFACT }, { rows: 1, cols: 784 });
    const activations = await kind('activations').run(await kerasContext(), compiled);
    assert.equal(activations.result.layer, 'conv2d_7');
  });
});

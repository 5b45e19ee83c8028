import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '@gpulab/compute';
import { initBackend } from './backend';
import { buildCnn } from './cnn';
import { layerNames, loadModelFromFiles, saveModelFiles } from './model-files';
import { type Tf, tfjs } from './tfjs';

describe('model files', () => {
  before(() => initBackend('wasm'));

  it('writes model.json and weights.bin that load back into a model giving the same scores', async () => {
    const tf = tfjs();
    const model = buildCnn({ imageShape: [28, 28, 1], classes: 10, blocks: [4, 8], dense: 16, seed: 2 });
    const files = await saveModelFiles(model);
    const json = JSON.parse(Buffer.from(files['model.json']).toString('utf8'));
    assert.equal(json.format, 'layers-model');
    assert.deepEqual(json.weightsManifest[0].paths, ['weights.bin']);
    assert.equal(files['weights.bin'].byteLength, 4 * model.countParams());

    const loaded = await loadModelFromFiles(files);
    assert.deepEqual(layerNames(loaded), layerNames(model));
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 5);
    const [a, b] = [model.predict(x) as Tf.Tensor, loaded.predict(x) as Tf.Tensor];
    assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });

  it('refuses a model.json that is not JSON, or not a layers model, with InvalidInputError', async () => {
    const weights = new Uint8Array(0);
    await assert.rejects(loadModelFromFiles({ 'model.json': Buffer.from('{not json'), 'weights.bin': weights }), (e: unknown) => e instanceof InvalidInputError && e.code === 'MODEL_FORMAT' && /model\.json is not JSON/.test(e.message));
    await assert.rejects(loadModelFromFiles({ 'model.json': Buffer.from('{"hello": 1}'), 'weights.bin': weights }), (e: unknown) => e instanceof InvalidInputError && /not a TensorFlow.js layers model/.test(e.message));
  });

  it('refuses weights that do not match model.json, saying both sizes', async () => {
    const model = buildCnn({ imageShape: [28, 28, 1], classes: 10, blocks: [4], dense: 0 });
    const files = await saveModelFiles(model);
    const wider = buildCnn({ imageShape: [28, 28, 1], classes: 10, blocks: [8], dense: 0 });
    const other = await saveModelFiles(wider);
    await assert.rejects(
      loadModelFromFiles({ 'model.json': files['model.json'], 'weights.bin': other['weights.bin'] }),
      (e: unknown) => e instanceof InvalidInputError && new RegExp(`weights\\.bin has ${other['weights.bin'].byteLength} bytes but model\\.json describes 4 weights of ${files['weights.bin'].byteLength} bytes`).test(e.message),
    );
    model.dispose();
    wider.dispose();
  });
});

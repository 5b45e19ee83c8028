import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParameterError } from '@gpulab/compute';
import { initBackend } from './backend';
import { buildCnn } from './cnn';
import { layerNames } from './model-files';

describe('the CNN builder', () => {
  before(() => initBackend('wasm'));

  it('names the layers so the visualization techniques can address them, with the class scores before a separate softmax', () => {
    const model = buildCnn({ imageShape: [28, 28, 1], classes: 10 });
    assert.deepEqual(layerNames(model), ['conv1', 'pool1', 'conv2', 'pool2', 'flatten', 'dense1', 'logits', 'softmax']);
    assert.equal(model.getLayer('logits').getConfig().activation, 'linear');
    assert.equal(model.getLayer('conv1').getConfig().activation, 'relu');
    assert.deepEqual(model.outputs[0].shape, [null, 10]);
    assert.deepEqual(model.getLayer('pool2').outputShape, [null, 7, 7, 32]);
    model.dispose();
  });

  it('has a block per entry of blocks, dropout and an input scale only when asked', () => {
    const model = buildCnn({ imageShape: [32, 32, 3], classes: 4, blocks: [8, 16, 32], dense: 20, dropout: 0.5, inputScale: 1 / 255 });
    assert.deepEqual(layerNames(model), ['scale', 'conv1', 'pool1', 'conv2', 'pool2', 'conv3', 'pool3', 'flatten', 'dense1', 'dropout1', 'logits', 'softmax']);
    assert.deepEqual(model.inputs[0].shape, [null, 32, 32, 3]);
    model.dispose();
  });

  it('goes straight from the last block to the class scores when dense is 0', () => {
    const model = buildCnn({ imageShape: [28, 28, 1], classes: 10, dense: 0 });
    assert.deepEqual(layerNames(model).slice(-3), ['flatten', 'logits', 'softmax']);
    model.dispose();
  });

  it('draws the same initial weights for the same seed and others for another', () => {
    const weights = (seed: number) => {
      const model = buildCnn({ imageShape: [28, 28, 1], classes: 10, seed });
      const values = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return values;
    };
    assert.deepEqual(weights(3), weights(3));
    assert.notDeepEqual(weights(3), weights(4));
  });

  it('refuses more pooling blocks than the image has pixels for, naming the most that fit', () => {
    assert.throws(
      () => buildCnn({ imageShape: [8, 8, 1], classes: 2, blocks: [4, 4, 4, 4] }),
      (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'blocks' && /at most 3 blocks fit/.test(e.message),
    );
  });
});

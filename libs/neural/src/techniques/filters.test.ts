import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { InvalidParameterError } from '@gpulab/compute';
import { mapGridLayout, mapGridPng } from '../images/map-grid';
import { activationGradients, activations } from './activations';
import { filters } from './filters';
import { HELD_OUT_FROM, type TinyMnist, tinyMnistModel } from './testing/tiny-mnist-model';
import { disposeResult } from './tidy-result';

const LAYER_NAMES = 'conv1, pool1, conv2, pool2, flatten, dense1, logits, softmax';

describe('filters', () => {
  let mnist: TinyMnist;
  before(async () => {
    mnist = await tinyMnistModel();
  });

  it("draws conv1's eight 3 x 3 filters as a labelled grid whose PNG decodes at the layout's size", () => {
    const result = filters(mnist.model);
    assert.deepEqual(result.tiles.shape, [8, 3, 3, 1]);
    assert.deepEqual(result.kernelSize, [3, 3]);
    assert.equal(result.norms.length, 8);
    assert.ok(result.norms.every((n) => n > 0) && result.min < 0 && result.max > 0);
    const options = { labels: result.labels, title: 'conv1 filters', signed: true, scale: 20 };
    const png = PNG.sync.read(Buffer.from(mapGridPng(result.tiles, options)));
    const layout = mapGridLayout(8, 3, 3, options);
    assert.deepEqual([png.width, png.height], [layout.width, layout.height]);
    assert.equal(layout.tileWidth, 60);
    disposeResult(result);
  });

  it("shows a deeper layer's filters one tile per input channel", () => {
    const result = filters(mnist.model, 'conv2');
    assert.deepEqual(result.tiles.shape, [16 * 8, 3, 3, 1]);
    assert.equal(result.labels[9], '1:1');
    disposeResult(result);
  });

  it('refuses a layer without a kernel and an unknown layer, listing the valid names', () => {
    assert.throws(() => filters(mnist.model, 'pool1'), (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'layer' && /layers with one: conv1, conv2/.test(e.message));
    assert.throws(() => filters(mnist.model, 'conv7'), (e: unknown) => e instanceof InvalidParameterError && e.message === `the model has no layer "conv7"; its layers are: ${LAYER_NAMES}`);
  });
});

describe('activations', () => {
  let mnist: TinyMnist;
  let digit: tf.Tensor3D;
  before(async () => {
    mnist = await tinyMnistModel();
    digit = mnist.digit(HELD_OUT_FROM + 1);
  });

  it("returns a layer's feature maps channel first, after the ReLU", () => {
    const conv1 = activations(mnist.model, digit, 'conv1');
    assert.deepEqual(conv1.maps.shape, [8, 28, 28]);
    assert.ok(Math.min(...conv1.maps.dataSync()) >= 0);
    assert.equal(conv1.channelMax.length, 8);
    const pool2 = activations(mnist.model, digit, 'pool2');
    assert.deepEqual(pool2.maps.shape, [16, 7, 7]);
    const dense = activations(mnist.model, digit, 'dense1');
    assert.deepEqual(dense.maps.shape, [32, 1, 1]);
    for (const r of [conv1, pool2, dense]) disposeResult(r);
  });

  it("gives the gradient of the predicted class's logit with respect to a layer's maps", () => {
    const result = activationGradients(mnist.model, digit, 'conv2');
    assert.deepEqual(result.maps.shape, [16, 14, 14]);
    assert.equal(result.channelWeights.length, 16);
    const predicted = tf.tidy(() => (mnist.model.predict(digit.expandDims(0)) as tf.Tensor).argMax(-1).dataSync()[0]);
    assert.equal(result.classIndex, predicted);
    disposeResult(result);
    const forOther = activationGradients(mnist.model, digit, 'conv2', (predicted + 1) % 10);
    assert.equal(forOther.classIndex, (predicted + 1) % 10);
    disposeResult(forOther);
  });

  it('refuses the score layer itself for gradients and unknown layers with the list of names', () => {
    assert.throws(() => activationGradients(mnist.model, digit, 'softmax'), (e: unknown) => e instanceof InvalidParameterError && /choose one of: conv1, pool1, conv2, pool2, flatten, dense1$/.test(e.message));
    assert.throws(() => activations(mnist.model, digit, 'relu1'), (e: unknown) => e instanceof InvalidParameterError && e.message.endsWith(LAYER_NAMES));
  });

  it('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    disposeResult(activations(mnist.model, digit, 'conv2'));
    disposeResult(activationGradients(mnist.model, digit, 'pool1', 2));
    disposeResult(filters(mnist.model));
    assert.equal(tf.memory().numTensors, before);
  });
});

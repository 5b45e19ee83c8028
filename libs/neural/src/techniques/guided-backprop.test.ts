import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { InvalidParameterError } from '@gpulab/compute';
import { guidedBackprop } from './guided-backprop';
import { saliency } from './saliency';
import { HELD_OUT_FROM, type TinyMnist, tinyMnistModel } from './testing/tiny-mnist-model';
import { disposeResult } from './tidy-result';

describe('guidedBackprop', () => {
  let mnist: TinyMnist;
  let digit: tf.Tensor3D;
  before(async () => {
    mnist = await tinyMnistModel();
    digit = mnist.digit(HELD_OUT_FROM + 2);
  });

  it("returns a gradient of the input's shape whose map is non-negative, and no ReLU passed a negative gradient", () => {
    const result = guidedBackprop(mnist.model, digit);
    assert.deepEqual(result.gradient.shape, [28, 28, 1]);
    assert.deepEqual(result.map.shape, [28, 28]);
    assert.equal(result.target.kind, 'class');
    assert.deepEqual(result.reluLayers, ['conv1', 'conv2', 'dense1']);
    assert.ok(result.smallestPassedGradient >= 0, `smallest passed ${result.smallestPassedGradient}`);
    assert.ok(Math.min(...result.map.dataSync()) >= 0);
    assert.ok(result.inkMass.ratio > 1, `ink ratio ${result.inkMass.ratio}`);
    console.log(`guided backprop: ink/background ${result.inkMass.ratio.toFixed(2)}, smallest gradient a ReLU passed ${result.smallestPassedGradient}`);
    disposeResult(result);
  });

  it('differs from the plain gradient: the rule removes what inhibits the class', () => {
    const guided = guidedBackprop(mnist.model, digit);
    const plain = saliency(mnist.model, digit, guided.target.kind === 'class' ? guided.target.classIndex : undefined);
    const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(guided.gradient, plain.gradient))).dataSync()[0]);
    assert.ok(difference > 0);
    disposeResult(guided);
    disposeResult(plain);
  });

  it("sets one neuron's gradient to 1: a conv channel at its most active position, or a dense unit", () => {
    const channel = guidedBackprop(mnist.model, digit, { layer: 'conv2', neuron: 5 });
    assert.equal(channel.target.kind, 'neuron');
    if (channel.target.kind !== 'neuron') return;
    assert.equal(channel.target.position?.length, 2);
    assert.deepEqual(channel.reluLayers, ['conv1', 'conv2']);
    const [row, column] = channel.target.position ?? [0, 0];
    const maps = tf.tidy(() => mnist.model.getLayer('conv2').apply(mnist.model.getLayer('pool1').apply(mnist.model.getLayer('conv1').apply(digit.expandDims(0)))) as tf.Tensor);
    const channelMax = tf.tidy(() => tf.max(maps.slice([0, 0, 0, 5], [1, 14, 14, 1])).dataSync()[0]);
    assert.ok(Math.abs(maps.bufferSync().get(0, row, column, 5) - channelMax) < 1e-6);
    assert.ok(Math.abs(channel.target.activation - channelMax) < 1e-6);
    maps.dispose();
    disposeResult(channel);

    const unit = guidedBackprop(mnist.model, digit, { layer: 'dense1', neuron: 3 });
    assert.deepEqual(unit.gradient.shape, [28, 28, 1]);
    assert.equal(unit.target.kind === 'neuron' && unit.target.position, undefined);
    disposeResult(unit);
  });

  it('refuses a neuron the layer does not have and an unknown layer, naming what exists', () => {
    assert.throws(() => guidedBackprop(mnist.model, digit, { layer: 'conv1', neuron: 8 }), (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'neuron' && /0 to 7/.test(e.message) && /8 channels/.test(e.message));
    assert.throws(() => guidedBackprop(mnist.model, digit, { layer: 'conv1', neuron: 0, position: [28, 0] }), (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'position');
    assert.throws(() => guidedBackprop(mnist.model, digit, { layer: 'conv3', neuron: 0 }), (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'layer' && /conv1, pool1, conv2, pool2, flatten, dense1, logits, softmax/.test(e.message));
  });

  it('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    disposeResult(guidedBackprop(mnist.model, digit, { layer: 'conv1', neuron: 2 }));
    disposeResult(guidedBackprop(mnist.model, digit, { classIndex: 4 }));
    assert.equal(tf.memory().numTensors, before);
  });
});

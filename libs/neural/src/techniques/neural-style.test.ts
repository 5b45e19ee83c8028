import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { InvalidInputError, InvalidParameterError } from '@gpulab/compute';
import { neuralStyle } from './neural-style';
import { HELD_OUT_FROM, type TinyMnist, tinyMnistModel } from './testing/tiny-mnist-model';
import { disposeResult } from './tidy-result';

describe('neuralStyle', () => {
  let mnist: TinyMnist;
  let content: tf.Tensor3D;
  let style: tf.Tensor3D;
  before(async () => {
    mnist = await tinyMnistModel();
    content = mnist.digit(HELD_OUT_FROM); // a 1
    style = mnist.digit(HELD_OUT_FROM + 8); // a 0
  });

  it('lowers the style loss at least tenfold from the content image, reporting both losses every step', async () => {
    const result = await neuralStyle(mnist.model, content, style);
    const [first, last] = [result.history[0], result.history[result.history.length - 1]];
    console.log(
      `neural style (content: a ${mnist.label(HELD_OUT_FROM)}, style: a ${mnist.label(HELD_OUT_FROM + 8)}): style loss ${first.style.toExponential(2)} → ${last.style.toExponential(2)} (${result.styleReduction.toFixed(1)}x), content loss ${first.content.toFixed(1)} → ${last.content.toFixed(1)}`,
    );
    assert.equal(result.contentLayer, 'conv2');
    assert.deepEqual(result.styleLayers, ['conv1', 'conv2']);
    assert.equal(result.history.length, 201);
    assert.equal(first.content, 0);
    assert.ok(result.styleReduction >= 10, `style loss fell ${result.styleReduction}x`);
    assert.ok(last.content > 0);
    assert.deepEqual(result.image.shape, [28, 28, 1]);
    disposeResult(result);
  });

  it('keeps the content when the style has no weight', async () => {
    const result = await neuralStyle(mnist.model, content, style, { beta: 0, iterations: 20 });
    assert.ok(result.history.every((h) => h.content < 1e-6));
    disposeResult(result);
  });

  it('refuses unknown and flat layers, and images of another size; leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    await assert.rejects(neuralStyle(mnist.model, content, style, { styleLayers: ['conv1', 'conv9'] }), (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'styleLayers');
    await assert.rejects(neuralStyle(mnist.model, content, style, { contentLayer: 'dense1' }), (e: unknown) => e instanceof InvalidParameterError && /layers with feature maps: conv1, pool1, conv2, pool2/.test(e.message));
    const small = tf.zeros([14, 14, 1]);
    await assert.rejects(neuralStyle(mnist.model, content, small), (e: unknown) => e instanceof InvalidInputError && /style is \[14, 14, 1\]/.test(e.message));
    small.dispose();
    disposeResult(await neuralStyle(mnist.model, content, style, { iterations: 3 }));
    assert.equal(tf.memory().numTensors, before);
  });
});

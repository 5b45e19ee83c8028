import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { InvalidParameterError } from '@gpulab/compute';
import { deepDream } from './deep-dream';
import { HELD_OUT_FROM, type TinyMnist, tinyMnistModel } from './testing/tiny-mnist-model';
import { disposeResult } from './tidy-result';

describe('deepDream', () => {
  let mnist: TinyMnist;
  let digit: tf.Tensor3D;
  before(async () => {
    mnist = await tinyMnistModel();
    digit = mnist.digit(HELD_OUT_FROM + 4);
  });

  it("raises ½‖a‖² of the deepest conv layer's activations over three octaves, at their own sizes", async () => {
    const result = await deepDream(mnist.model, digit);
    console.log(`deep dream on ${result.layer}: ½‖a‖² ${result.objectiveBefore.toFixed(1)} → ${result.objectiveAfter.toFixed(1)}; octaves ${result.sizes.map((s) => s.join('x')).join(', ')}`);
    assert.equal(result.layer, 'conv2');
    assert.deepEqual(result.sizes, [[14, 14], [20, 20], [28, 28]]);
    assert.equal(result.nativeScales, true);
    assert.deepEqual(result.image.shape, [28, 28, 1]);
    assert.ok(result.objectiveAfter > 2 * result.objectiveBefore);
    const values = result.image.dataSync();
    assert.ok(Math.min(...values) >= 0 && Math.max(...values) <= 1);
    disposeResult(result);
  });

  it('dreams on a dense layer by resizing each octave to the input size inside the forward pass', async () => {
    const result = await deepDream(mnist.model, digit, { layer: 'dense1', octaves: 2, iterations: 10 });
    assert.equal(result.nativeScales, false);
    assert.ok(result.objectiveAfter > result.objectiveBefore);
    disposeResult(result);
  });

  it('refuses octaves that shrink the image below 8 pixels and leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    await assert.rejects(deepDream(mnist.model, digit, { octaves: 6 }), (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'octaves');
    await assert.rejects(deepDream(mnist.model, digit, { layer: 'conv5' }), (e: unknown) => e instanceof InvalidParameterError && /its layers are: conv1/.test(e.message));
    disposeResult(await deepDream(mnist.model, digit, { iterations: 3 }));
    assert.equal(tf.memory().numTensors, before);
  });
});

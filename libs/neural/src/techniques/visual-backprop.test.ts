import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { HELD_OUT_FROM, type TinyMnist, tinyMnistModel } from './testing/tiny-mnist-model';
import { disposeResult } from './tidy-result';
import { visualBackprop } from './visual-backprop';

describe('visualBackprop', () => {
  let mnist: TinyMnist;
  before(async () => {
    mnist = await tinyMnistModel();
  });

  it("gives a 0..1 mask at the input's resolution with more mass on the digit than off it", () => {
    const ratios: number[] = [];
    for (let row = HELD_OUT_FROM; row < HELD_OUT_FROM + 10; row++) {
      const digit = mnist.digit(row);
      const result = visualBackprop(mnist.model, digit);
      assert.deepEqual(result.mask.shape, [28, 28]);
      const values = result.mask.dataSync();
      assert.equal(Math.min(...values), 0);
      assert.ok(Math.abs(Math.max(...values) - 1) < 1e-6);
      ratios.push(result.inkMass.ratio);
      digit.dispose();
      disposeResult(result);
    }
    console.log(`VisualBackProp ink/background ratios: ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
    for (const r of ratios) assert.ok(r > 1, `ratio ${r}`);
  });

  it('multiplies the averaged maps of the ReLU layers, deepest first, and retraces every window in between', () => {
    const digit = mnist.digit(HELD_OUT_FROM);
    const before = tf.memory().numTensors;
    const result = visualBackprop(mnist.model, digit);
    assert.deepEqual(result.layers, ['conv2', 'conv1']);
    assert.deepEqual(result.deconvolved, ['conv2', 'pool1', 'conv1']);
    disposeResult(result);
    assert.equal(tf.memory().numTensors, before);
    digit.dispose();
  });
});

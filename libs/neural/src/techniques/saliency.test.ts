import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { InvalidParameterError } from '@gpulab/compute';
import { saliency } from './saliency';
import { disposeResult } from './tidy-result';
import { HELD_OUT_FROM, type TinyMnist, tinyMnistModel } from './testing/tiny-mnist-model';

describe('saliency', () => {
  let mnist: TinyMnist;
  before(async () => {
    mnist = await tinyMnistModel();
  });

  it('puts more gradient mass per pixel on the ink than on the background of MNIST digits', () => {
    const ratios: number[] = [];
    for (let row = HELD_OUT_FROM; row < HELD_OUT_FROM + 10; row++) {
      const digit = mnist.digit(row);
      const result = saliency(mnist.model, digit);
      assert.deepEqual(result.map.shape, [28, 28]);
      assert.ok(result.inkMass.inkPixels > 0 && result.inkMass.backgroundPixels > 0);
      ratios.push(result.inkMass.ratio);
      digit.dispose();
      disposeResult(result);
    }
    console.log(`saliency ink/background ratios: ${ratios.map((r) => r.toFixed(2)).join(' ')}; model accuracy ${mnist.accuracy}, trained in ${mnist.trainMs.toFixed(0)} ms`);
    for (const r of ratios) assert.ok(r > 1, `ratio ${r}`);
  });

  it('differentiates the requested class and leaves no tensors behind', () => {
    const digit = mnist.digit(HELD_OUT_FROM);
    const before = tf.memory().numTensors;
    const result = saliency(mnist.model, digit, 3);
    assert.equal(result.classIndex, 3);
    assert.equal(result.scoreKind, 'logit');
    disposeResult(result);
    assert.equal(tf.memory().numTensors, before);
    digit.dispose();
  });

  it('refuses a class the model does not have', () => {
    const digit = mnist.digit(HELD_OUT_FROM);
    assert.throws(() => saliency(mnist.model, digit, 10), (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'classIndex' && /0 to 9/.test(e.message));
    digit.dispose();
  });
});

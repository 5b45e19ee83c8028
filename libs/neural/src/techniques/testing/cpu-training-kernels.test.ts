import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { restoreCpuTrainingKernels, useFastCpuTrainingKernels } from './cpu-training-kernels';

/** The gradients of a convolution's filter and of max pooling, with the cpu backend's kernels as they are at the call. */
function gradients(x: tf.Tensor4D, filter: tf.Tensor4D, strides: number, pad: 'same' | 'valid'): Float32Array[] {
  return tf.tidy(() => {
    const weights = tf.grad((f: tf.Tensor) => tf.conv2d(x, f as tf.Tensor4D, strides, pad).square().sum())(filter);
    const pooled = tf.grad((input: tf.Tensor) => tf.maxPool(input as tf.Tensor4D, 3, strides, pad).square().sum())(x);
    return [weights.dataSync() as Float32Array, pooled.dataSync() as Float32Array];
  });
}

describe('the tests’ fast cpu training kernels', () => {
  before(async () => {
    await tf.setBackend('cpu');
    tf.enableProdMode();
  });

  for (const [strides, pad] of [[1, 'same'], [2, 'valid'], [2, 'same']] as const) {
    it(`compute the cpu backend's own filter and max-pooling gradients (stride ${strides}, ${pad} padding)`, () => {
      const x = tf.randomNormal([3, 9, 11, 2], 0, 1, 'float32', 5) as tf.Tensor4D;
      const filter = tf.randomNormal([3, 3, 2, 4], 0, 1, 'float32', 6) as tf.Tensor4D;
      restoreCpuTrainingKernels();
      const expected = gradients(x, filter, strides, pad);
      useFastCpuTrainingKernels();
      const actual = gradients(x, filter, strides, pad);
      restoreCpuTrainingKernels();
      expected.forEach((e, k) => e.forEach((v, i) => assert.ok(Math.abs(v - actual[k][i]) <= 1e-4 * Math.max(1, Math.abs(v)), `gradient ${k}, entry ${i}: ${v} vs ${actual[k][i]}`)));
      tf.dispose([x, filter]);
    });
  }
});

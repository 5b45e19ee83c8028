import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from './backend';
import { type Tf, tfjs } from './tfjs';

type Padding = 'valid' | 'same' | [[0, 0], [number, number], [number, number], [0, 0]];

/** The gradient of a convolution with respect to its input, computed on one backend. */
async function inputGradient(backend: 'cpu' | 'wasm', stride: number, pad: Padding, kernel: number): Promise<Float32Array> {
  await initBackend(backend);
  const tf = tfjs();
  return tf.tidy(() => {
    const x = tf.randomNormal([2, 9, 10, 3], 0, 1, 'float32', 1) as Tf.Tensor4D;
    const w = tf.randomNormal([kernel, kernel, 3, 4], 0, 1, 'float32', 2) as Tf.Tensor4D;
    const dy = tf.randomNormal(tf.conv2d(x, w, stride, pad).shape, 0, 1, 'float32', 3);
    const gradient = tf.grad((input: Tf.Tensor) => tf.sum(tf.mul(tf.conv2d(input as Tf.Tensor4D, w, stride, pad), dy)))(x);
    assert.deepEqual(gradient.shape, [2, 9, 10, 3]);
    return gradient.dataSync() as Float32Array;
  });
}

describe('the wasm kernel for the input gradient of a convolution (Conv2DBackpropInput)', () => {
  before(() => initBackend('wasm'));

  const cases: [number, Padding, number][] = [
    [1, 'same', 3],
    [1, 'same', 4],
    [1, 'same', 5],
    [1, 'valid', 3],
    [1, [[0, 0], [2, 0], [1, 3], [0, 0]], 3],
    [2, 'same', 3],
    [2, 'valid', 3],
  ];
  for (const [stride, pad, kernel] of cases) {
    it(`equals the cpu backend's for stride ${stride}, ${JSON.stringify(pad)} padding and a ${kernel}x${kernel} kernel`, async () => {
      const cpu = await inputGradient('cpu', stride, pad, kernel);
      const wasm = await inputGradient('wasm', stride, pad, kernel);
      const scale = Math.max(...cpu.map(Math.abs));
      cpu.forEach((v, i) => assert.ok(Math.abs(v - wasm[i]) <= 1e-5 * scale, `entry ${i}: cpu ${v}, wasm ${wasm[i]}`));
    });
  }

  it('leaves no tensors or wasm buffers behind', async () => {
    await initBackend('wasm');
    const tf = tfjs();
    const before = [tf.memory().numTensors, tf.memory().numDataBuffers];
    await inputGradient('wasm', 1, 'same', 3);
    assert.deepEqual([tf.memory().numTensors, tf.memory().numDataBuffers], before);
  });
});

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from './backend';
import { type Tf, tfjs } from './tfjs';

type Padding = 'valid' | 'same' | [[0, 0], [number, number], [number, number], [0, 0]];

/** The gradient of a convolution with respect to its filter, computed on one backend. */
async function filterGradient(backend: 'cpu' | 'wasm', stride: number, pad: Padding, kernel: number): Promise<Float32Array> {
  await initBackend(backend);
  const tf = tfjs();
  return tf.tidy(() => {
    const x = tf.randomNormal([3, 11, 10, 2], 0, 1, 'float32', 1) as Tf.Tensor4D;
    const w = tf.randomNormal([kernel, kernel, 2, 4], 0, 1, 'float32', 2) as Tf.Tensor4D;
    const dy = tf.randomNormal(tf.conv2d(x, w, stride, pad).shape, 0, 1, 'float32', 3);
    const gradient = tf.grad((filter: Tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, filter as Tf.Tensor4D, stride, pad), dy)))(w);
    assert.deepEqual(gradient.shape, [kernel, kernel, 2, 4]);
    return gradient.dataSync() as Float32Array;
  });
}

describe('the wasm kernel for the filter gradient of a convolution (Conv2DBackpropFilter)', () => {
  before(() => initBackend('wasm'));

  const cases: [number, Padding, number][] = [
    [1, 'valid', 3],
    [2, 'valid', 3],
    [1, 'same', 3],
    [2, 'same', 3],
    [2, 'same', 4],
    [3, 'same', 5],
    [2, [[0, 0], [1, 2], [2, 1], [0, 0]], 3],
  ];
  for (const [stride, pad, kernel] of cases) {
    it(`equals the cpu backend's for stride ${stride}, ${JSON.stringify(pad)} padding and a ${kernel}x${kernel} kernel`, async () => {
      const cpu = await filterGradient('cpu', stride, pad, kernel);
      const wasm = await filterGradient('wasm', stride, pad, kernel);
      const scale = Math.max(...cpu.map(Math.abs));
      cpu.forEach((v, i) => assert.ok(Math.abs(v - wasm[i]) <= 1e-5 * scale, `entry ${i}: cpu ${v}, wasm ${wasm[i]}`));
    });
  }

  it('leaves no tensors or wasm buffers behind', async () => {
    await initBackend('wasm');
    const tf = tfjs();
    const before = [tf.memory().numTensors, tf.memory().numDataBuffers];
    await filterGradient('wasm', 2, 'same', 3);
    assert.deepEqual([tf.memory().numTensors, tf.memory().numDataBuffers], before);
  });
});

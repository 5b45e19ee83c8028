import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from './backend';
import { type Tf, tfjs } from './tfjs';

type Padding = 'valid' | 'same' | [[0, 0], [number, number], [number, number], [0, 0]];

/** One of the two gradients of a convolution, and the shapes it is tried on. */
interface GradientCase {
  kernel: string;
  of: 'filter' | 'input';
  inputShape: [number, number, number, number];
  cases: [stride: number, pad: Padding, kernel: number][];
}

const GRADIENTS: GradientCase[] = [
  {
    kernel: 'Conv2DBackpropFilter',
    of: 'filter',
    inputShape: [3, 11, 10, 2],
    cases: [
      [1, 'valid', 3],
      [2, 'valid', 3],
      [1, 'same', 3],
      [2, 'same', 3],
      [2, 'same', 4],
      [3, 'same', 5],
      [2, [[0, 0], [1, 2], [2, 1], [0, 0]], 3],
    ],
  },
  {
    kernel: 'Conv2DBackpropInput',
    of: 'input',
    inputShape: [2, 9, 10, 3],
    cases: [
      [1, 'same', 3],
      [1, 'same', 4],
      [1, 'same', 5],
      [1, 'valid', 3],
      [1, [[0, 0], [2, 0], [1, 3], [0, 0]], 3],
      [2, 'same', 3],
      [2, 'valid', 3],
    ],
  },
];

/** The gradient of a convolution with respect to its filter or its input, computed on one backend. */
async function gradientOf(of: GradientCase['of'], inputShape: GradientCase['inputShape'], backend: 'cpu' | 'wasm', stride: number, pad: Padding, kernel: number): Promise<Float32Array> {
  await initBackend(backend);
  const tf = tfjs();
  return tf.tidy(() => {
    const x = tf.randomNormal(inputShape, 0, 1, 'float32', 1) as Tf.Tensor4D;
    const w = tf.randomNormal([kernel, kernel, inputShape[3], 4], 0, 1, 'float32', 2) as Tf.Tensor4D;
    const dy = tf.randomNormal(tf.conv2d(x, w, stride, pad).shape, 0, 1, 'float32', 3);
    const gradient =
      of === 'filter'
        ? tf.grad((filter: Tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, filter as Tf.Tensor4D, stride, pad), dy)))(w)
        : tf.grad((input: Tf.Tensor) => tf.sum(tf.mul(tf.conv2d(input as Tf.Tensor4D, w, stride, pad), dy)))(x);
    assert.deepEqual(gradient.shape, of === 'filter' ? w.shape : x.shape);
    return gradient.dataSync() as Float32Array;
  });
}

for (const { kernel: name, of, inputShape, cases } of GRADIENTS) {
  describe(`the wasm kernel for the ${of} gradient of a convolution (${name})`, () => {
    before(() => initBackend('wasm'));

    for (const [stride, pad, kernel] of cases) {
      it(`equals the cpu backend's for stride ${stride}, ${JSON.stringify(pad)} padding and a ${kernel}x${kernel} kernel`, async () => {
        const cpu = await gradientOf(of, inputShape, 'cpu', stride, pad, kernel);
        const wasm = await gradientOf(of, inputShape, 'wasm', stride, pad, kernel);
        const scale = Math.max(...cpu.map(Math.abs));
        cpu.forEach((v, i) => assert.ok(Math.abs(v - wasm[i]) <= 1e-5 * scale, `entry ${i}: cpu ${v}, wasm ${wasm[i]}`));
      });
    }

    it('leaves no tensors or wasm buffers behind', async () => {
      await initBackend('wasm');
      const tf = tfjs();
      const before = [tf.memory().numTensors, tf.memory().numDataBuffers];
      await gradientOf(of, inputShape, 'wasm', of === 'filter' ? 2 : 1, 'same', 3);
      assert.deepEqual([tf.memory().numTensors, tf.memory().numDataBuffers], before);
    });
  });
}

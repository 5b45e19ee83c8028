import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '@gpulab/compute';
import { initBackend } from './backend';
import { tfjs } from './tfjs';
import { decodeCheckpoint, encodeCheckpoint } from './training-checkpoint';

describe('training checkpoints', () => {
  before(() => initBackend('cpu'));

  it('keep the epoch, the history and every tensor, bit for bit', async () => {
    const tf = tfjs();
    const kernel = tf.tensor([[1.5, -2], [3, 4.25]]);
    const step = tf.scalar(42);
    const moment = tf.tensor([0.125, 1e-30, -7]);
    const history = [{ epoch: 1, loss: 0.5, accuracy: 0.8, valLoss: 0.4, valAccuracy: 0.85, seconds: 1.5, imagesPerSecond: 900 }];
    const bytes = await encodeCheckpoint({
      fingerprint: 'f',
      epoch: 1,
      history,
      weights: [{ name: 'conv1/kernel', tensor: kernel }],
      optimizer: [
        { name: 'iter', tensor: step },
        { name: 'conv1/kernel/m', tensor: moment },
      ],
    });
    const state = decodeCheckpoint(bytes);
    assert.equal(state.fingerprint, 'f');
    assert.equal(state.epoch, 1);
    assert.deepEqual(state.history, history);
    assert.deepEqual(state.weights.map((w) => [w.name, w.tensor.shape, Array.from(w.tensor.dataSync())]), [['conv1/kernel', [2, 2], [1.5, -2, 3, 4.25]]]);
    assert.deepEqual(
      state.optimizer.map((w) => [w.name, Array.from(w.tensor.dataSync())]),
      [
        ['iter', [42]],
        ['conv1/kernel/m', Array.from(new Float32Array([0.125, 1e-30, -7]))],
      ],
    );
  });

  it('refuses bytes that are not a checkpoint, or are cut off, with InvalidInputError', async () => {
    const tf = tfjs();
    assert.throws(() => decodeCheckpoint(new Uint8Array([1])), (e: unknown) => e instanceof InvalidInputError && /only 1 bytes/.test(e.message));
    assert.throws(() => decodeCheckpoint(Buffer.from('\u0002\u0000\u0000\u0000{}')), /not a version 1 gpulab training checkpoint/);
    const bytes = await encodeCheckpoint({ fingerprint: 'f', epoch: 2, history: [], weights: [{ name: 'w', tensor: tf.ones([10]) }], optimizer: [] });
    assert.throws(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 4)), /header describes/);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../backend';
import { chooseTsnePath } from './tsne-path';

describe('choosing where a t-SNE job runs', () => {
  it('takes the tensor path for auto only on a GPU backend', () => {
    assert.equal(chooseTsnePath('auto', 'tensorflow-gpu'), 'tensor');
    assert.equal(chooseTsnePath('auto', 'webgpu'), 'tensor');
    for (const backend of ['tensorflow', 'wasm', 'cpu']) assert.equal(chooseTsnePath('auto', backend), 'cpu', backend);
  });

  it('runs on the CPU for auto when no backend is known', () => {
    assert.equal(chooseTsnePath('auto', undefined), 'cpu');
  });

  it('does what tensor and cpu ask on every backend', () => {
    for (const backend of [...BACKENDS, undefined]) {
      assert.equal(chooseTsnePath('tensor', backend), 'tensor');
      assert.equal(chooseTsnePath('cpu', backend), 'cpu');
    }
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSetValues } from './set-values';

describe('--set values', () => {
  it('turns numbers and booleans into typed values and keeps other text', () => {
    assert.deepEqual(parseSetValues(['components=2', 'lr=1e-3', 'whiten=true', 'init=pca', 'name=a=b']), {
      components: 2,
      lr: 0.001,
      whiten: true,
      init: 'pca',
      name: 'a=b',
    });
  });

  it('refuses a pair without a key', () => {
    assert.throws(() => parseSetValues(['=3']), /expected key=value/);
    assert.throws(() => parseSetValues(['components']), /expected key=value/);
  });
});

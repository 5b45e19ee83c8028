import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addShorthand, parseSetValues } from './set-values';

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

describe('--set values, strictly', () => {
  it('refuses a number in another notation than decimal, saying it in decimal', () => {
    assert.throws(() => parseSetValues(['rows=0x5']), /--set rows=0x5: write numbers in decimal \(e\.g\. 5\)/);
    assert.throws(() => parseSetValues(['rows=1_000']), /write numbers in decimal \(e\.g\. 1000\)/);
  });

  it('keeps text that only starts with a digit, such as a shape', () => {
    assert.deepEqual(parseSetValues(['imageShape=28x28x1']), { imageShape: '28x28x1' });
  });

  it('refuses an empty value', () => {
    assert.throws(() => parseSetValues(['components=']), /--set components=: no value/);
  });

  it('refuses a key given twice, naming both', () => {
    assert.throws(() => parseSetValues(['components=2', 'components=3']), /components is given twice: --set components=2 and --set components=3/);
    const params = parseSetValues(['components=2']);
    assert.throws(() => addShorthand(params, 'components', 1, '--components'), /components is given twice: --set components=2 and --components 1/);
  });
});

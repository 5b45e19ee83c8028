import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParameterError } from '@gpulab/compute';
import { imageShapeParam } from './image-shape';

describe('the image shape of a data set', () => {
  it('goes without saying for 784 columns (28x28x1) and 3072 (32x32x3)', () => {
    assert.deepEqual(imageShapeParam({}, 784), [28, 28, 1]);
    assert.deepEqual(imageShapeParam({}, 3072), [32, 32, 3]);
  });

  it('reads HEIGHTxWIDTHxCHANNELS, one channel when left out', () => {
    assert.deepEqual(imageShapeParam({ imageShape: '16x8x3' }, 384), [16, 8, 3]);
    assert.deepEqual(imageShapeParam({ imageShape: '10 x 20' }, 200), [10, 20, 1]);
  });

  it('comes from the shape an IDX or NPY file of images gave each row, when not set', () => {
    assert.deepEqual(imageShapeParam({}, 100, [10, 10]), [10, 10, 1]);
    assert.deepEqual(imageShapeParam({}, 48, [4, 4, 3]), [4, 4, 3]);
    assert.deepEqual(imageShapeParam({ imageShape: '8x2' }, 16, [4, 4]), [8, 2, 1]);
  });

  it('is required for other column counts, and must fit the columns', () => {
    assert.throws(() => imageShapeParam({}, 100), (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'imageShape' && /100 columns.*--set imageShape=/.test(e.message));
    assert.throws(() => imageShapeParam({ imageShape: '10x10x2' }, 100), /200 values per image but the data has 100 columns/);
    assert.throws(() => imageShapeParam({ imageShape: 'ten by ten' }, 100), /must look like 28x28x1/);
  });
});

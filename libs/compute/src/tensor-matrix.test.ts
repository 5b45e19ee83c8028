import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from './errors';
import { tensorToMatrix } from './tensor-matrix';

describe('tensors as matrices', () => {
  it('keeps the first dimension as rows and flattens the rest into columns, sharing the data', () => {
    const data = new Float64Array(3 * 28 * 28);
    const m = tensorToMatrix({ dims: [3, 28, 28], data });
    assert.deepEqual([m.rows, m.cols], [3, 784]);
    assert.equal(m.data, data);
    const n = tensorToMatrix({ shape: [4, 2], data: Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]) });
    assert.deepEqual([n.rows, n.cols, n.data[2 * 2 + 1]], [4, 2, 6]);
  });

  it('makes a vector one column', () => {
    const m = tensorToMatrix({ shape: [5], data: new Float64Array(5) });
    assert.deepEqual([m.rows, m.cols], [5, 1]);
  });

  it('refuses a single number and data that does not fill the shape', () => {
    assert.throws(() => tensorToMatrix({ shape: [], data: Float64Array.from([1]) }), (e: unknown) => e instanceof InvalidInputError && e.code === 'MATRIX_SHAPE' && /0 dimensions/.test(e.message));
    assert.throws(() => tensorToMatrix({ dims: [2, 3], data: new Float64Array(5) }), (e: unknown) => e instanceof InvalidInputError && /\(2, 3\) holds 6 values, its data has 5/.test(e.message));
  });
});

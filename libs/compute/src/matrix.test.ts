import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from './errors';
import { matrixFromRows, row, toRows } from './matrix';

describe('matrix helpers', () => {
  it('store rows one after another and give them back', () => {
    const m = matrixFromRows([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual([m.rows, m.cols, ...m.data], [2, 3, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(Array.from(row(m, 1)), [4, 5, 6]);
    assert.deepEqual(toRows(m), [[1, 2, 3], [4, 5, 6]]);
  });

  it('refuse rows of different lengths, naming the row from 1', () => {
    assert.throws(() => matrixFromRows([[1, 2], [3]]), (e: unknown) => e instanceof InvalidInputError && /^row 2 has 1 value, expected 2 \(as in row 1\)$/.test(e.message));
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMatrix, encodedMatrixBytes, encodeMatrix, encodeMatrixParts } from './matrix-codec';

describe('matrix codec', () => {
  const labelled = { rows: 3, cols: 2, data: new Float64Array([1, 2, 3.5, -4, 5, 6]), labels: { codes: new Int32Array([0, 1, 0]), names: ['a', 'b'] } };

  it('reads back what it wrote, with labels and without', () => {
    const back = decodeMatrix(encodeMatrix(labelled));
    assert.deepEqual([back.rows, back.cols, Array.from(back.data), Array.from(back.labels?.codes ?? []), back.labels?.names], [3, 2, [1, 2, 3.5, -4, 5, 6], [0, 1, 0], ['a', 'b']]);
    assert.equal(decodeMatrix(encodeMatrix({ rows: 1, cols: 2, data: new Float64Array([7, 8]) })).labels, undefined);
  });

  it('gives the same bytes in pieces, the floats a view of the matrix rather than a copy', () => {
    const parts = encodeMatrixParts(labelled);
    assert.deepEqual(Buffer.concat(parts), Buffer.from(encodeMatrix(labelled)));
    assert.equal(parts[1].buffer, labelled.data.buffer);
  });

  it('decodes into shared memory when asked, so compute threads can read the rows in place', () => {
    const back = decodeMatrix(encodeMatrix(labelled), { shared: true });
    assert.ok(back.data.buffer instanceof SharedArrayBuffer);
    assert.deepEqual(Array.from(back.data), [1, 2, 3.5, -4, 5, 6]);
    assert.ok(!(decodeMatrix(encodeMatrix(labelled)).data.buffer instanceof SharedArrayBuffer));
  });

  it('says the encoded size of a matrix without labels from its shape', () => {
    assert.equal(encodedMatrixBytes(3, 2), encodeMatrix({ rows: 3, cols: 2, data: new Float64Array(6) }).byteLength);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsvMatrix } from './csv-matrix';
import { InvalidInputError } from './errors';

const refusal = (text: string, pattern: RegExp, code: string) =>
  assert.throws(() => parseCsvMatrix(text), (e: unknown) => {
    assert.ok(e instanceof InvalidInputError);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  });

describe('CSV of numbers', () => {
  it('takes a text first row as the header', () => {
    const { matrix, header } = parseCsvMatrix('x, y\n1,2\n3.5,-4e2\n');
    assert.deepEqual(header, ['x', 'y']);
    assert.deepEqual([matrix.rows, matrix.cols, ...matrix.data], [2, 2, 1, 2, 3.5, -400]);
  });

  it('reads files without a header, with CRLF line ends, blank lines and semicolons', () => {
    const { matrix, header } = parseCsvMatrix('1;2\r\n\r\n3;4\r\n');
    assert.equal(header, undefined);
    assert.deepEqual(Array.from(matrix.data), [1, 2, 3, 4]);
  });

  it('names the row of a ragged line as numbered in the file', () => refusal('x,y\n1,2\n3\n', /row 3 has 1 column, expected 2 \(as in row 2\)/, 'CSV_RAGGED'));

  it('names row and column of a cell that is not a number', () => refusal('1,2\n3,abc\n', /row 2, column 2 \("abc"\) is not a number/, 'CSV_NOT_NUMERIC'));

  it('refuses empty cells and infinities', () => {
    refusal('1,2\n3,\n', /row 2, column 2 is empty/, 'CSV_NOT_NUMERIC');
    refusal('1,2\nInfinity,4\n', /row 2, column 1 \("Infinity"\) is not a finite number/, 'DATA_NOT_FINITE');
  });

  it('says when the file is empty or holds only a header', () => {
    refusal('', /the file is empty/, 'CSV_EMPTY');
    refusal('\n \n', /the file is empty/, 'CSV_EMPTY');
    refusal('x,y\n', /header row but no data/, 'CSV_EMPTY');
  });
});

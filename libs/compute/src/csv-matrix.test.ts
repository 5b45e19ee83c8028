import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CsvLineCounter, CsvMatrixReader, csvShape, parseCsvMatrix } from './csv-matrix';
import { InvalidInputError, InvalidParameterError } from './errors';
import { seededRandom } from './testing/random-matrix';

const refusal = (text: string, pattern: RegExp, code: string, row?: number, column?: number) =>
  assert.throws(() => parseCsvMatrix(text), (e: unknown) => {
    assert.ok(e instanceof InvalidInputError, `expected an InvalidInputError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    if (row !== undefined) assert.equal(e.row, row);
    if (column !== undefined) assert.equal(e.column, column);
    return true;
  });

describe('CSV of numbers', () => {
  it('takes a text first row as the header', () => {
    const { matrix, header } = parseCsvMatrix('x, y\n1,2\n3.5,-4e2\n');
    assert.deepEqual(header, ['x', 'y']);
    assert.deepEqual([matrix.rows, matrix.cols, ...matrix.data], [2, 2, 1, 2, 3.5, -400]);
  });

  it('reads a header with an unnamed first column and quoted names', () => {
    const { matrix, header } = parseCsvMatrix(',"height","weight"\n1,1.8,70\n2,1.6,55\n');
    assert.deepEqual(header, ['', 'height', 'weight']);
    assert.deepEqual(Array.from(matrix.data), [1, 1.8, 70, 2, 1.6, 55]);
  });

  it('reads a file of numbers only as data, without a header', () => {
    const { matrix, header } = parseCsvMatrix('1,2\n3,4');
    assert.equal(header, undefined);
    assert.deepEqual([matrix.rows, matrix.cols, ...matrix.data], [2, 2, 1, 2, 3, 4]);
  });

  it('reads CRLF line ends, blank lines, a trailing empty line and semicolons', () => {
    const { matrix, header } = parseCsvMatrix('1;2\r\n\r\n  \r\n3;4\r\n');
    assert.equal(header, undefined);
    assert.deepEqual([matrix.rows, matrix.cols, ...matrix.data], [2, 2, 1, 2, 3, 4]);
  });

  it('reads tabs, padded cells, scientific notation and quoted numbers', () => {
    const { matrix } = parseCsvMatrix(' 1.5e-3\t-2E+2 \n.5\t"7"\n');
    assert.deepEqual(Array.from(matrix.data), [0.0015, -200, 0.5, 7]);
  });

  it('reads every number exactly as Number() does', () => {
    const next = seededRandom(17);
    const cells = ['0', '-0', '007', '0.1', '-.5', '5.', '123456789012345', '1234567890123456', '9007199254740993', '0.000000000000001', '1.7976931348623157e308', '5e-324', '+3'];
    for (let i = 0; i < 2000; i++) {
      const digits = 1 + Math.floor(next() * 18);
      const point = Math.floor(next() * (digits + 1));
      let cell = next() < 0.5 ? '-' : '';
      for (let d = 0; d < digits; d++) cell += (d === point ? '.' : '') + Math.floor(next() * 10);
      cells.push(cell);
    }
    const { matrix } = parseCsvMatrix(cells.join('\n'));
    cells.forEach((cell, i) => assert.ok(Object.is(matrix.data[i], Number(cell)), `"${cell}" read as ${matrix.data[i]}, Number() gives ${Number(cell)}`));
  });

  it('skips whitespace-only lines and reads a last line without a line end', () => {
    const { matrix } = parseCsvMatrix('1,2\n \t \n3,4\n\n5,6');
    assert.deepEqual([matrix.rows, matrix.data.length, ...matrix.data], [3, 6, 1, 2, 3, 4, 5, 6]);
  });

  it('uses the delimiter it is given, which must be one character', () => {
    const { matrix } = parseCsvMatrix('1|2\n3|4\n', { delimiter: '|' });
    assert.deepEqual(Array.from(matrix.data), [1, 2, 3, 4]);
    for (const delimiter of ['', '::', '"']) {
      assert.throws(() => parseCsvMatrix('1,2\n', { delimiter }), (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'delimiter');
    }
  });

  it('names the row of a ragged line as numbered in the file', () => {
    refusal('1,2\n3,4\n\n5,6,7\n', /^row 4 has 3 columns, expected 2 \(as in row 1\)$/, 'CSV_RAGGED', 4);
    refusal('x,y\n1,2\n3\n', /^row 3 has 1 column, expected 2 \(as in row 2\)$/, 'CSV_RAGGED', 3);
    refusal('\nx,y\n1,2,\n', /^row 3 has 3 columns, expected 2 \(as in the header, row 2\)$/, 'CSV_RAGGED', 3);
  });

  it('names row and column of a cell that is not a number', () => {
    refusal('1,2\n3,abc\n', /^row 2, column 2 \("abc"\) is not a number$/, 'CSV_NOT_NUMERIC', 2, 2);
    refusal('a,b\n1,2\n3,4\n5,x\n', /^row 4, column 2 \("x"\) is not a number$/, 'CSV_NOT_NUMERIC', 4, 2);
    refusal('1,2\n0x1F,4\n', /row 2, column 1 \("0x1F"\) is not a number/, 'CSV_NOT_NUMERIC');
  });

  it('suggests a decimal point for a decimal comma', () => {
    refusal('x;y\n1,5;2\n', /row 2, column 1 \("1,5"\) is not a number; write decimals with a point/, 'CSV_NOT_NUMERIC');
  });

  it('refuses empty cells', () => {
    refusal('1,2\n3,\n', /^row 2, column 2 is empty/, 'CSV_NOT_NUMERIC', 2, 2);
    refusal('1, ,3\n', /^row 1, column 2 is empty/, 'CSV_NOT_NUMERIC', 1, 2);
  });

  it('refuses NaN, Inf and Infinity, naming the place', () => {
    refusal('1,2\nInfinity,4\n', /^row 2, column 1 \("Infinity"\) is not a finite number/, 'DATA_NOT_FINITE', 2, 1);
    refusal('x,y\n1,-inf\n', /^row 2, column 2 \("-inf"\) is not a finite number/, 'DATA_NOT_FINITE');
    refusal('1,2\n3,1e400\n', /^row 2, column 2 \("1e400"\) is too large/, 'DATA_NOT_FINITE');
  });

  it('reads a first row with NaN as bad data, not as a header', () => {
    refusal('NaN,2\n3,4\n', /^row 1, column 1 \("NaN"\) is not a finite number/, 'DATA_NOT_FINITE', 1, 1);
  });

  it('says when the file is empty or holds only a header', () => {
    refusal('', /^the file is empty$/, 'CSV_EMPTY');
    refusal('\n \r\n', /^the file is empty$/, 'CSV_EMPTY');
    refusal('x,y\n', /header row \(x, y\) but no data rows/, 'CSV_EMPTY', 1);
  });
});

describe('CSV with a label column', () => {
  const parameterRefusal = (text: string, labelColumn: string | number, pattern: RegExp) =>
    assert.throws(() => parseCsvMatrix(text, { labelColumn }), (e: unknown) => {
      assert.ok(e instanceof InvalidParameterError, `expected an InvalidParameterError, got ${String(e)}`);
      assert.equal(e.parameter, 'labelColumn');
      assert.match(e.message, pattern);
      return true;
    });

  it('takes the named column out of the matrix as labels, text allowed', () => {
    const { matrix, header, labels } = parseCsvMatrix('x,species,y\n1,setosa,2\n3,virginica,4\n5,"setosa",6\n', { labelColumn: 'species' });
    assert.deepEqual([matrix.rows, matrix.cols, ...matrix.data], [3, 2, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(header, ['x', 'y']);
    assert.deepEqual(labels?.names, ['setosa', 'virginica']);
    assert.deepEqual(Array.from(labels?.codes ?? []), [0, 1, 0]);
  });

  it('takes a column by its 1-based number, and a text label does not make the first row a header', () => {
    const { matrix, header, labels } = parseCsvMatrix('cat,1,2\ndog,3,4\n', { labelColumn: 1 });
    assert.equal(header, undefined);
    assert.deepEqual([matrix.rows, matrix.cols, ...matrix.data], [2, 2, 1, 2, 3, 4]);
    assert.deepEqual(labels?.names, ['cat', 'dog']);
  });

  it('reads a string of digits as a column number when no header cell has that name', () => {
    const { matrix, labels } = parseCsvMatrix('a,b,c\n1,2,9\n3,4,10\n5,6,9\n', { labelColumn: '3' });
    assert.deepEqual(Array.from(matrix.data), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(labels?.names, ['9', '10']);
    assert.deepEqual(Array.from(labels?.codes ?? []), [0, 1, 0]);
  });

  it('still names rows and columns of bad data cells as numbered in the file', () => {
    const refused = (text: string, code: string, pattern: RegExp, row: number, column?: number) =>
      assert.throws(() => parseCsvMatrix(text, { labelColumn: 'label' }), (e: unknown) => {
        assert.ok(e instanceof InvalidInputError, `expected an InvalidInputError, got ${String(e)}`);
        assert.deepEqual([e.code, e.row, e.column], [code, row, column]);
        assert.match(e.message, pattern);
        return true;
      });
    refused('label,x,y\na,1,2\n\nb,3,oops\n', 'CSV_NOT_NUMERIC', /^row 4, column 3 \("oops"\) is not a number$/, 4, 3);
    refused('label,x,y\na,1,2\nb,3\n', 'CSV_RAGGED', /^row 3 has 2 columns, expected 3/, 3, undefined);
  });

  it('refuses labels that are not categorical, naming the row and value', () => {
    const text = ['x,label', ...Array.from({ length: 10 }, (_, i) => `${i},${i % 3}`), '10,0.37', '11,2'].join('\n');
    assert.throws(() => parseCsvMatrix(text, { labelColumn: 'label' }), (e: unknown) => {
      assert.ok(e instanceof InvalidInputError);
      assert.deepEqual([e.code, e.row, e.column], ['LABELS_NOT_CATEGORICAL', 12, 2]);
      assert.equal(e.message, 'the label column "label" (column 2) has 0.37 in row 12: labels must be class names or whole numbers');
      return true;
    });
  });

  it('refuses an empty label cell', () => {
    assert.throws(() => parseCsvMatrix('label,x\na,1\n,2\n', { labelColumn: 'label' }), (e: unknown) => e instanceof InvalidInputError && e.code === 'LABELS_MISSING' && e.row === 3);
  });

  it('names the header cells when the label column is not one of them', () => {
    parameterRefusal('x,y,target\n1,2,a\n', 'label', /^there is no column "label"; the header names: x, y, target$/);
    parameterRefusal('1,2\n3,4\n', 'label', /the file has no header row, so give the label column's number \(1 to 2\)/);
  });

  it('refuses a column number outside the file and a file with nothing left but labels', () => {
    parameterRefusal('1,2\n3,4\n', 3, /a header name or a column number from 1 to 2, not 3/);
    parameterRefusal('1,2\n3,4\n', 0, /from 1 to 2, not 0/);
    parameterRefusal('1,2\n3,4\n', 1.5, /from 1 to 2, not 1\.5/);
    parameterRefusal('label\na\nb\n', 'label', /only one column/);
  });
});

describe('CSV read piece by piece', () => {
  const inPieces = (text: string, size: number, options = {}) => {
    const reader = new CsvMatrixReader(options);
    for (let i = 0; i < text.length; i += size) reader.push(text.slice(i, i + size));
    return reader.end();
  };

  it('gives what the whole text gives, wherever the pieces are cut', () => {
    const text = '\ufeffname,x,y\r\n\r\na,1,2\n  \nb,-3.5,4e2\r\nc,"7",.5\n';
    const whole = parseCsvMatrix(text.slice(1), { labelColumn: 'name' });
    for (const size of [1, 2, 3, 7, 64]) {
      const read = inPieces(text, size, { labelColumn: 'name' });
      assert.deepEqual(Array.from(read.matrix.data), Array.from(whole.matrix.data), `pieces of ${size}`);
      assert.deepEqual(read.header, whole.header);
      assert.deepEqual(Array.from(read.labels?.codes ?? []), Array.from(whole.labels?.codes ?? []));
    }
  });

  it('numbers a bad cell by its line in the file, across pieces', () => {
    assert.throws(() => inPieces('x,y\n1,2\n\n3,oops\n', 3), (e: unknown) => e instanceof InvalidInputError && e.row === 4 && e.column === 2);
  });

  it('grows past the rows it was told to expect', () => {
    const read = inPieces('1\n2\n3\n4\n5\n', 4, { expectedRows: 2 });
    assert.deepEqual(Array.from(read.matrix.data), [1, 2, 3, 4, 5]);
  });

  it('refuses a line without a break that is longer than any row, before holding all of it', () => {
    const reader = new CsvMatrixReader();
    const piece = 'x'.repeat(1024 * 1024);
    assert.throws(() => {
      for (let i = 0; i < 20; i++) reader.push(piece);
    }, (e: unknown) => e instanceof InvalidInputError && e.code === 'CSV_LINE_TOO_LONG');
  });
});

describe('CSV shape from a first pass', () => {
  const count = (text: string, size: number) => {
    const counter = new CsvLineCounter();
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += size) counter.push(bytes.subarray(i, i + size));
    return counter.end();
  };

  it('counts the rows and columns the parse finds, the header and label column taken off', () => {
    const text = '\ufeff\r\nname;x;y\r\na;1;2\n\nb;3;4\r\nc;5;6';
    for (const size of [1, 5, 1000]) {
      const { lines, firstLine } = count(text, size);
      assert.equal(firstLine, 'name;x;y');
      assert.deepEqual(csvShape(firstLine, lines, { labelColumn: 'name' }), { rows: 3, cols: 2 });
      assert.deepEqual(csvShape(firstLine, lines), { rows: 3, cols: 3 });
    }
  });

  it('takes a first line of numbers as a row', () => {
    const { lines, firstLine } = count('1,2,3\n4,5,6\n', 4);
    assert.deepEqual(csvShape(firstLine, lines), { rows: 2, cols: 3 });
  });
});

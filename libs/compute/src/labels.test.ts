import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from './errors';
import { labelsFromValues, MAX_CLASSES } from './labels';

const refusal = (work: () => unknown, code: string, pattern: RegExp, row: number, column?: number) =>
  assert.throws(work, (e: unknown) => {
    assert.ok(e instanceof InvalidInputError, `expected an InvalidInputError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    assert.equal(e.row, row);
    assert.equal(e.column, column);
    return true;
  });

const decode = ({ codes, names }: { codes: Int32Array; names: string[] }) => Array.from(codes, (c) => names[c]);

describe('labels from values', () => {
  it('sorts class names, so codes do not depend on row order', () => {
    const labels = labelsFromValues(['virginica', 'setosa', 'versicolor', 'setosa'], 'the species');
    assert.deepEqual(labels.names, ['setosa', 'versicolor', 'virginica']);
    assert.deepEqual(Array.from(labels.codes), [2, 0, 1, 0]);
  });

  it('sorts numeric classes as numbers and treats 7, "07" and "7.0" as one class', () => {
    const labels = labelsFromValues([10, '9', '07', 7, '7.0', -1, ' 2 '], 'the digits');
    assert.deepEqual(labels.names, ['-1', '2', '7', '9', '10']);
    assert.deepEqual(decode(labels), ['10', '9', '7', '7', '7', '-1', '2']);
  });

  it('reads a mixture of words and numbers as names', () => {
    const labels = labelsFromValues(['b', '10', 'a', '9'], 'the labels');
    assert.deepEqual(labels.names, ['10', '9', 'a', 'b']);
  });

  it('refuses a number with a fractional part, naming the first such row and value', () => {
    refusal(() => labelsFromValues([1, 2, 0.37, 0.5], 'the label column'), 'LABELS_NOT_CATEGORICAL', /^the label column has 0\.37 in row 3: labels must be class names or whole numbers$/, 3);
    refusal(() => labelsFromValues(['cat', '1e-3'], 'the label column'), 'LABELS_NOT_CATEGORICAL', /has 1e-3 in row 2/, 2);
    refusal(() => labelsFromValues([1, NaN], 'the labels'), 'LABELS_NOT_CATEGORICAL', /has NaN in row 2/, 2);
  });

  it('reports the row and column it is given for each value', () => {
    refusal(() => labelsFromValues(['1', '2.5'], 'the label column', { rowNumbers: [2, 4], column: 3 }), 'LABELS_NOT_CATEGORICAL', /in row 4:/, 4, 3);
  });

  it(`refuses more than ${MAX_CLASSES} distinct values, naming the row of the first one too many`, () => {
    const ids = Array.from({ length: 1500 }, (_, i) => `id-${i}`);
    refusal(() => labelsFromValues(ids, 'the label column'), 'LABELS_NOT_CATEGORICAL', /more than 1000 distinct values \(the 1001st, "id-1000", is in row 1001\)/, 1001);
    assert.equal(labelsFromValues(ids.slice(0, MAX_CLASSES), 'the label column').names.length, MAX_CLASSES);
  });

  it('refuses an empty label', () => {
    refusal(() => labelsFromValues(['a', ' '], 'the label column'), 'LABELS_MISSING', /^the label column is empty in row 2: every row needs a label$/, 2);
  });
});

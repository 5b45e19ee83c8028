import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ComputeError, InvalidInputError, InvalidParameterError } from './errors';

describe('compute errors', () => {
  it('carry a code, the place, a cause and say they are not worth retrying', () => {
    const cause = new Error('underlying');
    const e = new InvalidInputError('CSV_NOT_NUMERIC', 'row 3, column 2 ("abc") is not a number', { row: 3, column: 2, cause });
    assert.ok(e instanceof ComputeError && e instanceof Error);
    assert.deepEqual([e.name, e.code, e.row, e.column, e.retryable, e.cause], ['InvalidInputError', 'CSV_NOT_NUMERIC', 3, 2, false, cause]);
  });

  it('name the parameter that is wrong', () => {
    const e = new InvalidParameterError('components', 'components must be …');
    assert.deepEqual([e.name, e.code, e.parameter, e.retryable, e.cause], ['InvalidParameterError', 'INVALID_PARAMETER', 'components', false, undefined]);
  });
});

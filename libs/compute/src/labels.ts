import { InvalidInputError } from './errors';
import { type Labels } from './job-kind';
import { quoteInput } from '@gpulab/contracts';

/**
 * More classes than a legend, a confusion matrix or a per-class colour can show; a column with
 * more distinct values is far more likely an ID or a measurement than a class.
 */
export const MAX_CLASSES = 1000;

export interface LabelOptions {
  /** The row number to report for each value, e.g. the file's line numbers. @default index + 1 */
  rowNumbers?: ArrayLike<number>;
  /** The 1-based column the values came from, reported with the row. */
  column?: number;
}

/** A number as a CSV writes it: digits with an optional sign, point and exponent. */
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Turns one label per row into class codes. Values that read as the same number are one class
 * ('7', '07', '7.0' and 7), so labels written by different tools agree. The class names are
 * sorted, numerically when every one is a number, so codes do not depend on row order and
 * '10' comes after '9'.
 *
 * `what` names the values in messages ("the label column"). Throws {@link InvalidInputError}:
 * `LABELS_NOT_CATEGORICAL` for a number with a fractional part (or not finite) or more than
 * {@link MAX_CLASSES} classes, `LABELS_MISSING` for an empty value; both name the first
 * offending row.
 */
export function labelsFromValues(values: readonly (string | number)[], what: string, options: LabelOptions = {}): Labels {
  const place = (i: number) => ({ row: options.rowNumbers ? options.rowNumbers[i] : i + 1, column: options.column });
  const notCategorical = (i: number, shown: string) => {
    const where = place(i);
    return new InvalidInputError('LABELS_NOT_CATEGORICAL', `${what} has ${shown} in row ${where.row}: labels must be class names or whole numbers`, where);
  };
  const provisional = new Int32Array(values.length);
  const seen = new Map<string, number>();
  let allNumeric = true;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    let key: string;
    if (typeof value === 'number') {
      if (!Number.isInteger(value)) throw notCategorical(i, String(value));
      key = String(value + 0); // -0 is class 0
    } else {
      const text = value.trim();
      if (text === '') {
        const where = place(i);
        throw new InvalidInputError('LABELS_MISSING', `${what} is empty in row ${where.row}: every row needs a label`, where);
      }
      if (NUMBER_TEXT.test(text)) {
        const n = Number(text);
        if (!Number.isInteger(n)) throw notCategorical(i, text);
        key = String(n + 0);
      } else {
        key = text;
        allNumeric = false;
      }
    }
    let code = seen.get(key);
    if (code === undefined) {
      code = seen.size;
      if (code === MAX_CLASSES) {
        const where = place(i);
        throw new InvalidInputError(
          'LABELS_NOT_CATEGORICAL',
          `${what} has more than ${MAX_CLASSES} distinct values (the ${MAX_CLASSES + 1}st, ${quoteInput(key)}, is in row ${where.row}): labels must be class names, not IDs or measurements`,
          where,
        );
      }
      seen.set(key, code);
    }
    provisional[i] = code;
  }
  const keys = [...seen.keys()];
  const names = allNumeric ? keys.slice().sort((a, b) => Number(a) - Number(b)) : keys.slice().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rank = new Int32Array(keys.length);
  names.forEach((name, sorted) => (rank[seen.get(name) as number] = sorted));
  const codes = new Int32Array(values.length);
  for (let i = 0; i < codes.length; i++) codes[i] = rank[provisional[i]];
  return { codes, names };
}

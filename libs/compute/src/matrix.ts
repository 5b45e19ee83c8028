import { InvalidInputError } from './errors';

/** A dense row-major matrix of float64: entry (i, j) is `data[i * cols + j]`. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function zeros(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/** Copies nested arrays into a matrix; every row must be as long as the first. */
export function matrixFromRows(rows: readonly (readonly number[])[]): Matrix {
  const cols = rows[0]?.length ?? 0;
  const m = zeros(rows.length, cols);
  rows.forEach((r, i) => {
    if (r.length !== cols) {
      throw new InvalidInputError('MATRIX_SHAPE', `row ${i + 1} has ${r.length} value${r.length === 1 ? '' : 's'}, expected ${cols} (as in row 1)`, { row: i + 1 });
    }
    m.data.set(r, i * cols);
  });
  return m;
}

/** Row i (0-based) as a view: writing to it writes to the matrix. */
export function row(m: Matrix, i: number): Float64Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

export function toRows(m: Matrix): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(row(m, i)));
}

/** Refuses NaN and ±Infinity, naming the first one's row and column (1-based). */
export function assertFinite(x: Matrix): void {
  const { cols, data } = x;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const row = Math.floor(i / cols) + 1;
      const column = (i % cols) + 1;
      throw new InvalidInputError('DATA_NOT_FINITE', `row ${row}, column ${column} is ${data[i]}, not a finite number`, { row, column });
    }
  }
}

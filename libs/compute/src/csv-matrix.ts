import { InvalidInputError, InvalidParameterError } from './errors';
import { type Labels } from './job-kind';
import { labelsFromValues } from './labels';
import { type Matrix } from './matrix';
import { excerpt, quoteInput } from '@gpulab/contracts';

export interface CsvOptions {
  /**
   * The character between cells.
   * @default detected from the first line: a tab if it has one, else ';', else ','. ';' wins
   * over ',' because files that separate with ';' often write decimal commas.
   */
  delimiter?: string;
  /**
   * The column that holds each row's class: a header name, or a 1-based column number. It is
   * taken out of the matrix, its cells (text allowed) become `labels`. A string of digits that
   * names no header cell is read as a number, so a command line can pass either.
   * @default none: every column is data
   */
  labelColumn?: string | number;
}

export interface ParsedCsv {
  matrix: Matrix;
  /**
   * The first line's cells (trimmed, quotes removed) when that line was a header, without the
   * label column: `header[j]` names matrix column j.
   */
  header?: string[];
  /** The label column's classes, when `labelColumn` was given. */
  labels?: Labels;
}

/** Powers of ten that are exact doubles: dividing an exact integer by one rounds correctly. */
const EXACT_POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Digits that always fit a double's 53-bit mantissa exactly. */
const MAX_FAST_DIGITS = 15;

/**
 * Reads a CSV of numbers into a matrix.
 *
 * The first line is a header when one of its cells is text; a line of numbers with `NaN` or an
 * empty cell is data, so its bad cell is reported rather than silently dropped as a header. Rows
 * are numbered as lines of the file (1-based, header and blank lines counted) and columns from 1,
 * so a message points where an editor does. Cells are trimmed; blank lines are skipped; `\r\n`
 * line ends and scientific notation are accepted; quoted cells lose their quotes, but a quoted
 * cell may not contain the delimiter. Throws {@link InvalidInputError} for anything else.
 *
 * Plain decimals such as `255` or `-0.125` are converted while scanning, without cutting the cell
 * out of the text; that is exact (an integer of at most 15 digits divided by an exact power of
 * ten rounds correctly) and makes a 70,000 × 784 file several times faster to read. Every other
 * cell goes through Number().
 *
 * With `labelColumn`, that column's cells are class labels rather than numbers and are returned
 * as `labels` (see {@link labelsFromValues}); the same scan skips them, so a file with labels is
 * read as fast as one without.
 */
export function parseCsvMatrix(text: string, options: CsvOptions = {}): ParsedCsv {
  const lines = new LineReader(text);
  if (!lines.next()) throw new InvalidInputError('CSV_EMPTY', 'the file is empty');
  const firstLine = lines.number;
  const firstText = text.slice(lines.start, lines.end);
  const delimiter = options.delimiter ?? detectDelimiter(firstText);
  if (delimiter.length !== 1 || /["\r\n]/.test(delimiter)) {
    throw new InvalidParameterError('delimiter', `the delimiter must be one character other than a quote or a line break, not ${quoteInput(delimiter)}`);
  }
  const firstCells = firstText.split(delimiter);
  const cols = firstCells.length;
  const label = options.labelColumn === undefined ? undefined : findLabelColumn(options.labelColumn, firstCells);
  let header: string[] | undefined;
  // A text label in a headerless file's first row must not make that row a header.
  if (label?.byName || firstCells.some((c, j) => j !== label?.index && isText(c))) {
    header = firstCells.map((c) => unquote(c.trim()));
    if (!lines.next()) {
      throw new InvalidInputError('CSV_EMPTY', `the file has a header row (${excerpt(header.join(', '))}) but no data rows`, { row: firstLine });
    }
  }

  // Room for every remaining line; whitespace-only lines leave some unused, cut off at the end.
  const capacity = lines.countRemaining();
  // Without a label column, `skip` is past the last column, so every cell lands at its own index.
  const skip = label ? label.index : cols;
  const dataCols = label ? cols - 1 : cols;
  const labelCells: string[] = [];
  const labelRows = label ? new Int32Array(capacity) : undefined;
  let data = new Float64Array(capacity * dataCols);
  let rows = 0;
  const firstDataLine = lines.number;
  // A ragged row is compared with the first data row, and that row itself with the header.
  const ragged = () =>
    raggedRow(text, lines, delimiter, cols, lines.number === firstDataLine && header ? `the header, row ${firstLine}` : `row ${firstDataLine}`);
  const dc = delimiter.charCodeAt(0);
  do {
    const row = lines.number;
    const o = rows * dataCols;
    const stop = lines.end;
    let col = 0;
    let start = lines.start;
    let acc = 0;
    let digits = 0;
    let decimals = -1;
    let plain = true;
    for (let pos = start; ; pos++) {
      const ch = pos < stop ? text.charCodeAt(pos) : dc;
      if (ch === dc) {
        if (col === cols) throw ragged();
        if (col === skip) {
          labelCells.push(text.slice(start, pos));
        } else {
          const negative = plain && text.charCodeAt(start) === 45; /* - */
          data[o + (col > skip ? col - 1 : col)] =
            plain && digits > 0 && digits <= MAX_FAST_DIGITS
              ? (negative ? -acc : acc) / EXACT_POWERS_OF_TEN[decimals < 0 ? 0 : decimals]
              : cellValue(text.slice(start, pos), row, col + 1);
        }
        col++;
        if (pos >= stop) break;
        start = pos + 1;
        acc = 0;
        digits = 0;
        decimals = -1;
        plain = true;
      } else if (plain) {
        const digit = ch - 48;
        if (digit >= 0 && digit <= 9) {
          acc = acc * 10 + digit;
          digits++;
          if (decimals >= 0) decimals++;
        } else if (ch === 46 /* . */ && decimals < 0) decimals = 0;
        else if (!(ch === 45 /* - */ && pos === start)) plain = false;
      }
    }
    if (col !== cols) throw ragged();
    if (labelRows) labelRows[rows] = row;
    rows++;
  } while (lines.next());
  if (data.length !== rows * dataCols) data = data.slice(0, rows * dataCols);
  const matrix = { rows, cols: dataCols, data };
  if (!label) return { matrix, header };
  const name = header ? ` ${quoteInput(header[label.index])}` : '';
  const labels = labelsFromValues(
    labelCells.map((c) => unquote(c.trim())),
    `the label column${name} (column ${label.index + 1})`,
    { rowNumbers: labelRows, column: label.index + 1 },
  );
  return { matrix, header: header?.filter((_, j) => j !== label.index), labels };
}

/**
 * The 0-based index of the label column, and whether a header name chose it (which makes the
 * first line a header whatever its other cells hold).
 */
function findLabelColumn(labelColumn: string | number, firstCells: readonly string[]): { index: number; byName: boolean } {
  const cols = firstCells.length;
  let number: number;
  if (typeof labelColumn === 'number') {
    number = labelColumn;
  } else {
    const names = firstCells.map((c) => unquote(c.trim()));
    const index = names.indexOf(labelColumn.trim());
    if (index >= 0) return checkLeavesData({ index, byName: true }, cols);
    if (!/^\d+$/.test(labelColumn.trim())) {
      const looksLikeHeader = firstCells.some(isText);
      throw new InvalidParameterError(
        'labelColumn',
        looksLikeHeader
          ? `there is no column ${quoteInput(labelColumn)}; the header names: ${excerpt(names.join(', '))}`
          : `there is no column ${quoteInput(labelColumn)}: the file has no header row, so give the label column's number (1 to ${cols})`,
      );
    }
    number = Number(labelColumn.trim());
  }
  if (!Number.isInteger(number) || number < 1 || number > cols) {
    throw new InvalidParameterError('labelColumn', `the label column must be a header name or a column number from 1 to ${cols}, not ${quoteInput(labelColumn)}`);
  }
  return checkLeavesData({ index: number - 1, byName: false }, cols);
}

function checkLeavesData<T>(found: T, cols: number): T {
  if (cols === 1) throw new InvalidParameterError('labelColumn', 'the file has only one column: with it taken out as labels, no data is left');
  return found;
}

/**
 * Walks the lines of the text without splitting it: `start`/`end` bound the current line's
 * content (a `\r` before the `\n` excluded), `number` is its 1-based line number. Blank lines are
 * skipped.
 */
class LineReader {
  start = 0;
  end = 0;
  number = 0;
  private cursor = 0;
  constructor(private readonly text: string) {}

  next(): boolean {
    const text = this.text;
    while (this.cursor < text.length) {
      const start = this.cursor;
      let end = text.indexOf('\n', start);
      if (end === -1) end = text.length;
      this.cursor = end + 1;
      this.number++;
      if (end > start && text.charCodeAt(end - 1) === 13 /* \r */) end--;
      if (end === start || (isSpace(text.charCodeAt(start)) && text.slice(start, end).trim() === '')) continue;
      this.start = start;
      this.end = end;
      return true;
    }
    return false;
  }

  /**
   * Lines from the current one on that are not empty. Whitespace-only lines are counted too, so
   * this is exact unless the file has some.
   */
  countRemaining(): number {
    const text = this.text;
    let count = 0;
    for (let start = this.start; start < text.length; ) {
      let end = text.indexOf('\n', start);
      if (end === -1) end = text.length;
      if (end > start && !(end - start === 1 && text.charCodeAt(start) === 13)) count++;
      start = end + 1;
    }
    return count;
  }
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 13 || code === 0xfeff || code === 0xa0;
}

function raggedRow(text: string, lines: LineReader, delimiter: string, cols: number, reference: string): InvalidInputError {
  const found = text.slice(lines.start, lines.end).split(delimiter).length;
  return new InvalidInputError(
    'CSV_RAGGED',
    `row ${lines.number} has ${plural(found, 'column')}, expected ${cols} (as in ${reference})`,
    { row: lines.number },
  );
}

function detectDelimiter(line: string): string {
  if (line.includes('\t')) return '\t';
  if (line.includes(';')) return ';';
  return ',';
}

/**
 * Number() reads '' and '  ' as 0 and '0x1F' as 31; neither is what a student meant, so a cell
 * that came out as an integer gets a closer look. Other numbers pass without allocating.
 */
function isPlainNumber(cell: string, value: number): boolean {
  if (!Number.isInteger(value)) return true;
  const t = cell.trim();
  if (t === '') return false;
  if (t.length > 2 && t.charCodeAt(0) === 48 /* 0 */) {
    const prefix = t.charCodeAt(1) | 0x20;
    if (prefix === 0x78 /* x */ || prefix === 0x62 /* b */ || prefix === 0x6f /* o */) return false;
  }
  return true;
}

/** Any cell that is not a plain decimal: Number() with the checks it lacks, or an explanation. */
function cellValue(cell: string, row: number, column: number): number {
  const direct = Number(cell);
  if (Number.isFinite(direct) && isPlainNumber(cell, direct)) return direct;
  const t = cell.trim();
  const place = `row ${row}, column ${column}`;
  if (t === '' || t === '""') {
    throw new InvalidInputError('CSV_NOT_NUMERIC', `${place} is empty; every cell needs a number`, { row, column });
  }
  const inner = unquote(t);
  const value = Number(inner);
  if (inner !== t && Number.isFinite(value) && isPlainNumber(inner, value)) return value;
  if (isNonFiniteWord(inner)) {
    throw new InvalidInputError(
      'DATA_NOT_FINITE',
      `${place} (${quoteInput(t)}) is not a finite number; fill in or remove missing and infinite values`,
      { row, column },
    );
  }
  if (!Number.isNaN(value) && !Number.isFinite(value)) {
    throw new InvalidInputError('DATA_NOT_FINITE', `${place} (${quoteInput(t)}) is too large to store as a number`, { row, column });
  }
  const hint = inner.includes(',') && isPlainDecimal(inner.replace(',', '.')) ? '; write decimals with a point, as in 1.5' : '';
  throw new InvalidInputError('CSV_NOT_NUMERIC', `${place} (${quoteInput(t)}) is not a number${hint}`, { row, column });
}

/** Text in a first-line cell makes it a header; numbers, blanks and NaN/Inf spellings do not. */
function isText(cell: string): boolean {
  const t = unquote(cell.trim());
  if (t === '' || isNonFiniteWord(t)) return false;
  return !(Number.isFinite(Number(t)) && isPlainNumber(t, Number(t)));
}

function isNonFiniteWord(t: string): boolean {
  return /^[+-]?(nan|inf|infinity)$/i.test(t);
}

function isPlainDecimal(t: string): boolean {
  return /^[+-]?\d+\.\d+$/.test(t);
}

function unquote(t: string): string {
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).trim() : t;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

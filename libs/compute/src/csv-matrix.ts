import { excerpt, quoteInput } from '@gpulab/contracts';
import { InvalidInputError, InvalidParameterError } from './errors';
import { type Labels } from './job-kind';
import { labelsFromValues } from './labels';
import { type Matrix } from './matrix';

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
 *
 * The whole text at once; {@link CsvMatrixReader} reads the same CSV piece by piece.
 */
export function parseCsvMatrix(text: string, options: CsvOptions = {}): ParsedCsv {
  const reader = new CsvMatrixReader({ ...options, expectedRows: countLines(text) });
  reader.push(text);
  return reader.end();
}

export interface CsvReadOptions extends CsvOptions {
  /**
   * How many data rows to make room for at once (e.g. from {@link CsvLineCounter}); more rows
   * still fit, by growing, and fewer leave the rest unused.
   */
  expectedRows?: number;
}

/** One line longer than this is not a CSV row: refused before it fills the memory. */
export const MAX_CSV_LINE_CHARS = 16 * 1024 * 1024;

/**
 * Reads a CSV of numbers as {@link parseCsvMatrix} does, from pieces of text pushed one after the
 * other (cut anywhere, even inside a line): only the matrix being filled and one unfinished line
 * are held, never the whole text. Numbers go straight into one Float64Array, without arrays of
 * cells or lines in between.
 */
export class CsvMatrixReader {
  private carry = '';
  private started = false;
  /** Line number of the last line read (1-based, blank lines counted). */
  private lineNumber = 0;
  private setUp?: {
    delimiter: number;
    delimiterText: string;
    cols: number;
    /** The label column's index, or `cols` (past the last) without one. */
    skip: number;
    dataCols: number;
    label?: { index: number; byName: boolean };
    header?: string[];
    firstLine: number;
  };
  private firstDataLine = 0;
  private data: Float64Array;
  private rows = 0;
  private readonly labelCells: string[] = [];
  private labelRows?: Int32Array;

  constructor(private readonly options: CsvReadOptions = {}) {
    this.data = new Float64Array(0);
  }

  push(text: string): void {
    if (!this.started && text.length > 0) {
      this.started = true;
      // A byte-order mark would otherwise become part of the first cell.
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const block = this.carry + text;
    const last = block.lastIndexOf('\n');
    if (last < 0) {
      if (block.length > MAX_CSV_LINE_CHARS) throw tooLongLine(this.lineNumber + 1);
      this.carry = block;
      return;
    }
    this.carry = block.slice(last + 1);
    if (this.carry.length > MAX_CSV_LINE_CHARS) throw tooLongLine(this.lineNumber + 1 + countNewlines(block, 0, last + 1));
    this.readLines(block, last + 1);
  }

  /** The matrix, once every piece has been pushed. */
  end(): ParsedCsv {
    if (this.carry.length > 0) this.readLines(this.carry, this.carry.length);
    this.carry = '';
    const s = this.setUp;
    if (!s) throw new InvalidInputError('CSV_EMPTY', 'the file is empty');
    if (s.header && this.rows === 0) {
      throw new InvalidInputError('CSV_EMPTY', `the file has a header row (${excerpt(s.header.join(', '))}) but no data rows`, { row: s.firstLine });
    }
    const rows = this.rows;
    const used = rows * s.dataCols;
    const data = this.data.length === used ? this.data : this.data.slice(0, used);
    this.data = new Float64Array(0);
    const matrix = { rows, cols: s.dataCols, data };
    const { label, header } = s;
    if (!label) return { matrix, header };
    const name = header ? ` ${quoteInput(header[label.index])}` : '';
    const labels = labelsFromValues(
      this.labelCells.map((c) => unquote(c.trim())),
      `the label column${name} (column ${label.index + 1})`,
      { rowNumbers: (this.labelRows as Int32Array).subarray(0, rows), column: label.index + 1 },
    );
    return { matrix, header: header?.filter((_, j) => j !== label.index), labels };
  }

  /** Reads the lines of `text` before `stop`; the last one ends at `stop` if no `\n` does. */
  private readLines(text: string, stop: number): void {
    for (let cursor = 0; cursor < stop; ) {
      const start = cursor;
      let end = text.indexOf('\n', start);
      if (end === -1 || end > stop) end = stop;
      cursor = end + 1;
      this.lineNumber++;
      if (end > start && text.charCodeAt(end - 1) === 13 /* \r */) end--;
      if (end === start || (isSpace(text.charCodeAt(start)) && text.slice(start, end).trim() === '')) continue;
      if (!this.setUp) this.readFirstLine(text.slice(start, end));
      else this.readRow(text, start, end);
    }
  }

  private readFirstLine(firstText: string): void {
    const delimiter = this.options.delimiter ?? detectDelimiter(firstText);
    if (delimiter.length !== 1 || /["\r\n]/.test(delimiter)) {
      throw new InvalidParameterError('delimiter', `the delimiter must be one character other than a quote or a line break, not ${quoteInput(delimiter)}`);
    }
    const firstCells = firstText.split(delimiter);
    const cols = firstCells.length;
    const label = this.options.labelColumn === undefined ? undefined : findLabelColumn(this.options.labelColumn, firstCells);
    // A text label in a headerless file's first row must not make that row a header.
    const isHeader = label?.byName || firstCells.some((c, j) => j !== label?.index && isText(c));
    const dataCols = label ? cols - 1 : cols;
    const capacity = Math.max(1, (this.options.expectedRows ?? 1024) - (isHeader ? 1 : 0));
    this.data = new Float64Array(capacity * dataCols);
    if (label) this.labelRows = new Int32Array(capacity);
    this.setUp = {
      delimiter: delimiter.charCodeAt(0),
      delimiterText: delimiter,
      cols,
      skip: label ? label.index : cols,
      dataCols,
      label,
      header: isHeader ? firstCells.map((c) => unquote(c.trim())) : undefined,
      firstLine: this.lineNumber,
    };
    if (!isHeader) this.readRow(firstText, 0, firstText.length);
  }

  /** Room for one more row: the capacity doubles when a first pass counted too few. */
  private reserveRow(dataCols: number): void {
    const need = (this.rows + 1) * dataCols;
    if (need <= this.data.length) return;
    const grown = new Float64Array(Math.max(need, this.data.length * 2));
    grown.set(this.data);
    this.data = grown;
    if (this.labelRows) {
      const rows = new Int32Array(Math.max(this.rows + 1, this.labelRows.length * 2));
      rows.set(this.labelRows);
      this.labelRows = rows;
    }
  }

  private readRow(text: string, lineStart: number, stop: number): void {
    const s = this.setUp as NonNullable<CsvMatrixReader['setUp']>;
    const row = this.lineNumber;
    if (this.rows === 0) this.firstDataLine = row;
    const { cols, skip, dataCols, delimiter: dc } = s;
    this.reserveRow(dataCols);
    const data = this.data;
    const o = this.rows * dataCols;
    // A ragged row is compared with the first data row, and that row itself with the header.
    const ragged = () =>
      raggedRow(text.slice(lineStart, stop), row, s.delimiterText, cols, row === this.firstDataLine && s.header ? `the header, row ${s.firstLine}` : `row ${this.firstDataLine}`);
    let col = 0;
    let start = lineStart;
    let acc = 0;
    let digits = 0;
    let decimals = -1;
    let plain = true;
    for (let pos = start; ; pos++) {
      const ch = pos < stop ? text.charCodeAt(pos) : dc;
      if (ch === dc) {
        if (col === cols) throw ragged();
        if (col === skip) {
          this.labelCells.push(text.slice(start, pos));
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
    if (this.labelRows) this.labelRows[this.rows] = row;
    this.rows++;
  }
}

/**
 * A cheap first pass over a CSV's bytes: counts the lines that are not empty and keeps the first
 * of them, so the matrix's size is known ({@link csvShape}) before any number is read.
 * Whitespace-only lines are counted too, so the count is an upper bound, exact unless the file
 * has some.
 */
export class CsvLineCounter {
  private lines = 0;
  /** Bytes of the current line so far, `\r` not counted. */
  private lineBytes = 0;
  private first: Uint8Array[] | undefined = [];
  private firstBytes = 0;
  private firstText?: string;

  push(bytes: Uint8Array): void {
    for (let pos = 0; pos < bytes.length; ) {
      let end = bytes.indexOf(10, pos);
      const complete = end !== -1;
      if (!complete) end = bytes.length;
      const piece = bytes.subarray(pos, end);
      if (this.first) this.keepFirst(piece);
      this.lineBytes += piece.length - (piece.length > 0 && piece[piece.length - 1] === 13 && complete ? 1 : 0);
      if (complete) this.endLine();
      pos = end + 1;
    }
  }

  /** Non-empty lines, and the first one's text (its byte-order mark taken off). */
  end(): { lines: number; firstLine: string | undefined } {
    if (this.lineBytes > 0) this.endLine();
    this.lineBytes = 0;
    return { lines: this.lines, firstLine: this.firstText };
  }

  private keepFirst(piece: Uint8Array): void {
    const parts = this.first as Uint8Array[];
    this.firstBytes += piece.length;
    if (this.firstBytes > MAX_CSV_LINE_CHARS) throw tooLongLine(1);
    parts.push(piece.slice());
  }

  private endLine(): void {
    const parts = this.first;
    if (this.lineBytes > 0) {
      this.lines++;
      if (parts) {
        let text = Buffer.concat(parts).toString('utf8');
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        text = text.replace(/\r$/, '');
        this.first = undefined;
        if (text.trim() === '') {
          // Not a line the parse reads (a byte-order mark, spaces): not a row either.
          this.lines--;
          this.first = [];
          this.firstBytes = 0;
        } else {
          this.firstText = text;
        }
      }
    } else if (parts) {
      parts.length = 0;
      this.firstBytes = 0;
    }
    this.lineBytes = 0;
  }
}

/**
 * The largest matrix a CSV can make, from its first non-empty line and its count of non-empty
 * lines (see {@link CsvLineCounter}): the header (when the first line is one) and the label
 * column are taken off as {@link parseCsvMatrix} takes them.
 */
export function csvShape(firstLine: string | undefined, lines: number, options: CsvOptions = {}): { rows: number; cols: number } {
  if (firstLine === undefined) return { rows: 0, cols: 0 };
  const delimiter = options.delimiter ?? detectDelimiter(firstLine);
  const cells = firstLine.split(delimiter);
  const label = options.labelColumn === undefined ? undefined : findLabelColumn(options.labelColumn, cells);
  const isHeader = label?.byName || cells.some((c, j) => j !== label?.index && isText(c));
  return { rows: Math.max(0, lines - (isHeader ? 1 : 0)), cols: label ? cells.length - 1 : cells.length };
}

function tooLongLine(line: number): InvalidInputError {
  return new InvalidInputError(
    'CSV_LINE_TOO_LONG',
    `line ${line} is longer than ${MAX_CSV_LINE_CHARS / 1024 / 1024} MB with no line break; a CSV has one row per line (is this a CSV file?)`,
    { row: line },
  );
}

/** Lines that are not empty: room for the rows of a text read at once. */
function countLines(text: string): number {
  let count = 0;
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end > start && !(end - start === 1 && text.charCodeAt(start) === 13)) count++;
    start = end + 1;
  }
  return count;
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let at = text.indexOf('\n', from); at !== -1 && at < to; at = text.indexOf('\n', at + 1)) count++;
  return count;
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

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 13 || code === 0xfeff || code === 0xa0;
}

function raggedRow(line: string, row: number, delimiter: string, cols: number, reference: string): InvalidInputError {
  const found = line.split(delimiter).length;
  return new InvalidInputError('CSV_RAGGED', `row ${row} has ${plural(found, 'column')}, expected ${cols} (as in ${reference})`, { row });
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

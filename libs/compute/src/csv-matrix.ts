import { InvalidInputError } from './errors';
import { type Matrix } from './matrix';

export interface CsvOptions {
  /** @default detected from the first line: ',', ';' or tab */
  delimiter?: string;
}

export interface ParsedCsv {
  matrix: Matrix;
  /** The first line's cells when it was a header. */
  header?: string[];
}

/**
 * Reads a CSV of numbers. The first line is a header when it holds text and the next line does
 * not. Rows are numbered as lines of the file (1-based, header and blank lines counted) so a
 * message points where an editor does.
 */
export function parseCsvMatrix(text: string, options: CsvOptions = {}): ParsedCsv {
  const lines = text.split('\n');
  const content: { line: number; text: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (t.trim() !== '') content.push({ line: i + 1, text: t });
  }
  if (content.length === 0) throw new InvalidInputError('CSV_EMPTY', 'the file is empty');
  const delimiter = options.delimiter ?? detectDelimiter(content[0].text);
  const split = (t: string) => t.split(delimiter).map((c) => c.trim());

  let header: string[] | undefined;
  const first = split(content[0].text);
  if (first.some((c) => !isNumber(c))) {
    if (content.length === 1) throw new InvalidInputError('CSV_EMPTY', 'the file has a header row but no data rows');
    header = first;
    content.shift();
  }
  const cols = split(content[0].text).length;
  if (header && header.length !== cols) {
    throw new InvalidInputError('CSV_RAGGED', `row ${content[0].line} has ${plural(cols, 'column')}, expected ${header.length} (as in the header)`, content[0].line);
  }
  const data = new Float64Array(content.length * cols);
  for (let r = 0; r < content.length; r++) {
    const { line, text: t } = content[r];
    const cells = t.split(delimiter);
    if (cells.length !== cols) {
      throw new InvalidInputError('CSV_RAGGED', `row ${line} has ${plural(cells.length, 'column')}, expected ${cols} (as in row ${content[0].line})`, line);
    }
    for (let c = 0; c < cols; c++) {
      const cell = cells[c].trim();
      const value = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(value)) {
        const what = cell === '' ? 'is empty' : Number.isNaN(value) ? `("${cell}") is not a number` : `("${cell}") is not a finite number`;
        throw new InvalidInputError(Number.isNaN(value) ? 'CSV_NOT_NUMERIC' : 'DATA_NOT_FINITE', `row ${line}, column ${c + 1} ${what}`, line, c + 1);
      }
      data[r * cols + c] = value;
    }
  }
  return { matrix: { rows: content.length, cols, data }, header };
}

function detectDelimiter(line: string): string {
  if (line.includes(',')) return ',';
  if (line.includes(';')) return ';';
  if (line.includes('\t')) return '\t';
  return ',';
}

function isNumber(cell: string): boolean {
  return cell !== '' && Number.isFinite(Number(cell));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

import { benchmarkPeakLines } from './benchmark-peak-format';
import { formatBytes } from './byte-format';
import { table } from './text-table';

/** Rows of a matrix, items of a list or records of a history shown before the rest is summarised. */
const SHOWN_ROWS = 12;
/** Records in a history (t-SNE's KL, training's epochs) shown whole; longer ones show their ends. */
const SHOWN_RECORDS = 10;

type Scalar = string | number | boolean | null | undefined;

/** A file the result lists (`result.files`), so a long array can say which file holds it in full. */
interface ResultFile {
  name?: unknown;
  bytes?: unknown;
}

/**
 * A job's result for people, as indented lines: scalars as `key: value`, objects as indented
 * key/value blocks, lists of records (a KL history, training epochs, adversarial examples) as
 * small tables, and long arrays summarised by their shape ("1,797 × 2, in embedding.npy"), so no
 * value prints as `[object Object]` and none floods the terminal.
 */
export function resultLines(result: Record<string, unknown>, indent = '  '): string[] {
  const files = Array.isArray(result.files) ? (result.files as ResultFile[]) : [];
  return [...Object.entries(result).flatMap(([key, value]) => valueLines(key, value, indent, files)), ...benchmarkPeakLines(result, indent)];
}

/** `unit`: ' ms' inside a `…Ms` key such as `timingsMs`, whose fields are milliseconds. */
function valueLines(key: string, value: unknown, indent: string, files: readonly ResultFile[], unit = ''): string[] {
  const ms = unit || (/Ms$/.test(key) ? ' ms' : '');
  if (key === 'files' && Array.isArray(value)) {
    const listed = (value as ResultFile[]).map((f) => `${String(f.name)} (${formatBytes(Number(f.bytes))})`).join(', ');
    return [`${indent}files: ${listed} (gpulab result ID --out DIR downloads them)`];
  }
  if (isScalar(value)) return [`${indent}${key}: ${scalar(value, ms)}`];
  if (Array.isArray(value)) return arrayLines(key, value, indent, files);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return [`${indent}${key}: -`];
  return [`${indent}${key}:`, ...entries.flatMap(([k, v]) => valueLines(k, v, `${indent}  `, files, ms))];
}

function arrayLines(key: string, value: readonly unknown[], indent: string, files: readonly ResultFile[]): string[] {
  if (value.length === 0) return [`${indent}${key}: none`];
  const where = fileFor(key, files);
  if (value.every(Array.isArray)) {
    const rows = value as unknown[][];
    const shape = `${count(rows.length)} × ${count(rows[0].length)}`;
    if (rows.length > SHOWN_ROWS && where) return [`${indent}${key}: ${shape}, in ${where}`];
    const shown = table(rows.slice(0, SHOWN_ROWS).map((row) => row.map((v) => cell(v))));
    const lines = [`${indent}${key}: ${shape}`, ...shown.split('\n').map((line) => `${indent}  ${line}`)];
    if (rows.length > SHOWN_ROWS) lines.push(`${indent}  … ${count(rows.length - SHOWN_ROWS)} more rows (use --json for all)`);
    return lines;
  }
  if (value.every(isScalar)) {
    const shown = value.slice(0, SHOWN_ROWS).map((v) => scalar(v)).join('  ');
    if (value.length <= SHOWN_ROWS) return [`${indent}${key}: ${shown}`];
    return [`${indent}${key}: ${shown} … (${count(value.length)} in all${where ? `, in ${where}` : ''})`];
  }
  if (value.every(isRecord)) return recordLines(key, value as Record<string, unknown>[], indent);
  return [`${indent}${key}: ${count(value.length)} items`, ...value.slice(0, SHOWN_ROWS).flatMap((v, i) => valueLines(String(i + 1), v, `${indent}  `, files))];
}

/** A list of records as a table with one column per key; a long one shows its first and last rows. */
function recordLines(key: string, records: readonly Record<string, unknown>[], indent: string): string[] {
  const columns = [...new Set(records.flatMap((r) => Object.keys(r)))];
  const row = (r: Record<string, unknown>) => columns.map((c) => cell(r[c], c));
  const long = records.length > SHOWN_RECORDS;
  const head = long ? records.slice(0, SHOWN_RECORDS - 3) : records;
  const tail = long ? records.slice(-2) : [];
  const rows = [columns, ...head.map(row), ...(long ? [['…', ...columns.slice(1).map(() => '')]] : []), ...tail.map(row)];
  const title = `${indent}${key}: ${count(records.length)} ${records.length === 1 ? 'row' : 'rows'}${long ? ` (${count(records.length - head.length - tail.length)} not shown; --json for all)` : ''}`;
  return [title, ...table(rows).split('\n').map((line) => `${indent}  ${line}`)];
}

/** The file the result lists for `key` (embedding → embedding.npy), if any. */
function fileFor(key: string, files: readonly ResultFile[]): string | undefined {
  const name = files.map((f) => String(f.name)).find((n) => n === key || n.startsWith(`${key}.`));
  return name;
}

function isScalar(v: unknown): v is Scalar {
  return v === null || v === undefined || typeof v !== 'object';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A scalar; a number with its unit where the key gives one. */
function scalar(v: Scalar, unit = ''): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'number') return `${num(v)}${unit}`;
  return String(v);
}

/** A table cell: a scalar, or a nested value written compactly on one line. */
function cell(v: unknown, key = ''): string {
  return isScalar(v) ? scalar(v, /Ms$/.test(key) ? ' ms' : '') : JSON.stringify(v);
}

/** Numbers to at most 7 decimals, without trailing zeros. */
export function num(v: unknown): string {
  return typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(7).replace(/0+$/, '')) : String(v);
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

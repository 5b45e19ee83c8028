import { type BenchmarkTable, type BenchmarkTableCell } from '@gpulab/sdk';
import { table } from './text-table';

/** What the table's figures are, said once under it. */
const UNITS = 'seconds per 1,000 images (lower is faster)';

/** The lecture's table as text: `*` marks the fastest per column, `!` a regression. */
export function benchmarkTableText(model: BenchmarkTable): string {
  const header = ['MODEL', 'BACKEND', ...model.columns.map(columnLabel)];
  const lines = model.rows.map((row) => [row.model, rowLabel(row), ...row.cells.map((cell) => (cell ? `${seconds(cell)}${cell.fastest ? ' *' : ''}${cell.regression ? ` !${regressionNote(cell)}` : ''}` : '-'))]);
  return [table([header, ...lines]), '', `${UNITS}; * fastest in its column; ! slower than the median of the last 5 comparable runs by more than 10%`].join('\n');
}

/** The lecture's table as Markdown: the fastest per column in bold, regressions marked. */
export function benchmarkTableMarkdown(model: BenchmarkTable): string {
  const header = ['model', 'backend', ...model.columns.map(columnLabel)];
  const lines = model.rows.map((row) => [row.model, rowLabel(row), ...row.cells.map((cell) => (cell ? `${cell.fastest ? `**${seconds(cell)}**` : seconds(cell)}${cell.regression ? ` ⚠ regression${regressionNote(cell)}` : ''}` : '–'))]);
  const markdownRow = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [
    markdownRow(header),
    markdownRow(header.map((_, c) => (c < 2 ? '---' : '---:'))),
    ...lines.map(markdownRow),
    '',
    `${UNITS}; the fastest per column in bold. Rows marked "lecture slide" are the slide's figures for ResNet-50 feature extraction, not measured here.`,
  ].join('\n');
}

/** A column as the table heads it. */
export function columnLabel(column: BenchmarkTable['columns'][number]): string {
  return column.reference ? `${column.device} (slide)` : `${column.device}, batch ${column.batchSize}`;
}

/** A row as the table names its backend; the slide's rows say so. */
export function rowLabel(row: BenchmarkTable['rows'][number]): string {
  return row.reference ? `${row.backend} (lecture slide)` : row.backend;
}

function seconds(cell: BenchmarkTableCell): string {
  const s = cell.secondsPer1000Images;
  return s >= 100 ? s.toFixed(0) : s >= 10 ? s.toFixed(1) : s.toFixed(2);
}

function regressionNote(cell: BenchmarkTableCell): string {
  const r = cell.regression;
  return r ? ` (+${Math.round((r.ratio - 1) * 100)}% vs median ${seconds({ ...cell, secondsPer1000Images: r.median })})` : '';
}

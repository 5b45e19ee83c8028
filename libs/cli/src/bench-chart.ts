import { groupedBarPng, type GroupedBarChartOptions } from '@gpulab/charts';
import { type BenchmarkTable, type FlaggedBenchmarkRow } from '@gpulab/sdk';
import { columnLabel, rowLabel } from './bench-format';

const Y_LABEL = 'seconds per 1,000 images (lower is faster)';

/** The table's bars: a group per column, a bar per row; the fastest outlined, the slide's grey. */
export function benchmarkTableChart(model: BenchmarkTable): GroupedBarChartOptions {
  return {
    title: 'Feature extraction: seconds per 1,000 images',
    yLabel: Y_LABEL,
    groups: model.columns.map(columnLabel),
    series: model.rows.map((row) => ({ name: `${row.model} ${rowLabel(row)}`, values: row.cells.map((cell) => cell?.secondsPer1000Images), reference: row.reference })),
    highlighted: model.rows.flatMap((row, r) => row.cells.flatMap((cell, c): [number, number][] => (cell?.fastest ? [[r, c]] : []))),
  };
}

/** The table drawn as a grouped bar chart, PNG bytes. */
export function benchmarkTablePng(model: BenchmarkTable): Uint8Array {
  return groupedBarPng(benchmarkTableChart(model));
}

/**
 * One model on one backend over time: a group per run, a bar per device, batch and input size
 * (only those are comparable), regressions outlined. The rows come flagged and in date order.
 */
export function benchmarkHistoryChart(rows: readonly FlaggedBenchmarkRow[], title: string): GroupedBarChartOptions {
  const seriesKey = (row: FlaggedBenchmarkRow) => `${row.device}, batch ${row.batchSize}, ${row.inputSize} px`;
  const names = [...new Set(rows.map(seriesKey))];
  return {
    title,
    yLabel: Y_LABEL,
    groups: rows.map((row) => row.date.slice(0, 16).replace('T', ' ')),
    series: names.map((name) => ({ name, values: rows.map((row) => (seriesKey(row) === name ? row.secondsPer1000Images : undefined)) })),
    highlighted: rows.flatMap((row, g): [number, number][] => (row.regression ? [[names.indexOf(seriesKey(row)), g]] : [])),
  };
}

/** The trend drawn as PNG bytes. */
export function benchmarkHistoryPng(rows: readonly FlaggedBenchmarkRow[], title: string): Uint8Array {
  return groupedBarPng(benchmarkHistoryChart(rows, title));
}

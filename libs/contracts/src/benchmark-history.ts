/** One finished benchmark row as the history keeps it: what ran, where, and how fast. */
export interface BenchmarkHistoryRow {
  /** When the job finished, ISO 8601. */
  date: string;
  model: string;
  backend: string;
  device: string;
  batchSize: number;
  inputSize: number;
  /** The software that ran it, by name (`tfjs`, `node`, the backend's own). */
  versions: Record<string, string>;
  secondsPer1000Images: number;
  imagesPerSecond: number;
  jobId: string;
}

/** Why a row counts as a regression: its time against the median of the comparable rows before it. */
export interface BenchmarkRegression {
  /** The median seconds per 1,000 images of up to {@link REGRESSION_WINDOW} comparable rows before. */
  median: number;
  /** The row's seconds per 1,000 images over that median; above {@link REGRESSION_RATIO} it is flagged. */
  ratio: number;
}

/** A history row, and its regression when it is one. */
export type FlaggedBenchmarkRow = BenchmarkHistoryRow & { regression?: BenchmarkRegression };

/** How many earlier comparable rows a row is judged against. */
export const REGRESSION_WINDOW = 5;

/** Slower than the median by more than 10% is a regression. */
export const REGRESSION_RATIO = 1.1;

/** Rows with the same key measure the same thing and may be compared: model, backend, device, batch and input size. */
export function comparableKey(row: Pick<BenchmarkHistoryRow, 'model' | 'backend' | 'device' | 'batchSize' | 'inputSize'>): string {
  return [row.model, row.backend, row.device, `b${row.batchSize}`, `i${row.inputSize}`].join('|');
}

/**
 * The rows in date order, each flagged when it is slower by more than 10% than the median of the
 * last {@link REGRESSION_WINDOW} comparable rows before it. A row with nothing before it is never
 * flagged: there is nothing to regress from.
 */
export function flagRegressions(rows: readonly BenchmarkHistoryRow[]): FlaggedBenchmarkRow[] {
  const earlier = new Map<string, number[]>();
  return sortedByDate(rows).map((row) => {
    const key = comparableKey(row);
    const before = earlier.get(key) ?? [];
    earlier.set(key, [...before, row.secondsPer1000Images].slice(-REGRESSION_WINDOW));
    if (before.length === 0) return { ...row };
    const m = median(before);
    const ratio = row.secondsPer1000Images / m;
    return ratio > REGRESSION_RATIO ? { ...row, regression: { median: m, ratio } } : { ...row };
  });
}

/** The lecture slide's figures: seconds per 1,000 images, ResNet-50 feature extraction, on K80 and P100. */
export const LECTURE_REFERENCE_ROWS: readonly { backend: string; device: 'K80' | 'P100'; secondsPer1000Images: number }[] = [
  { backend: 'MXNet', device: 'K80', secondsPer1000Images: 145 },
  { backend: 'MXNet', device: 'P100', secondsPer1000Images: 51 },
  { backend: 'PyTorch', device: 'K80', secondsPer1000Images: 169 },
  { backend: 'PyTorch', device: 'P100', secondsPer1000Images: 51 },
  { backend: 'TensorFlow', device: 'K80', secondsPer1000Images: 173 },
  { backend: 'TensorFlow', device: 'P100', secondsPer1000Images: 57 },
];

/** The model the lecture's figures are for. */
export const LECTURE_REFERENCE_MODEL = 'resnet50';

/** A column of the table: one device at one batch size; the slide's columns have no batch size. */
export interface BenchmarkTableColumn {
  device: string;
  batchSize?: number;
  /** The lecture slide's, not measured here. */
  reference: boolean;
}

/** A cell: the latest comparable row's figures, the column's fastest marked. */
export interface BenchmarkTableCell {
  secondsPer1000Images: number;
  /** Absent in the slide's cells, which give seconds only. */
  imagesPerSecond?: number;
  fastest: boolean;
  regression?: BenchmarkRegression;
  jobId?: string;
  date?: string;
}

/** A row of the table: one model on one backend, a cell per column (undefined where it never ran). */
export interface BenchmarkTableRow {
  model: string;
  backend: string;
  reference: boolean;
  cells: (BenchmarkTableCell | undefined)[];
}

/** The lecture's table for our cluster. */
export interface BenchmarkTable {
  columns: BenchmarkTableColumn[];
  rows: BenchmarkTableRow[];
}

/** Which rows the table shows. */
export interface BenchmarkTableOptions {
  /** Only this model's rows. */
  model?: string;
  /** Only rows from this date on (ISO 8601; a date alone means its midnight UTC). */
  since?: string;
  /**
   * Whether the slide's K80/P100 rows stand beside ours; only when ResNet-50 is in the table.
   * @default true
   */
  reference?: boolean;
}

/**
 * The table model: rows model × backend, columns device × batch size, each cell the latest row
 * measured there (flagged against the whole history, so `since` hides old rows without hiding
 * what they tell about the new), the fastest per column marked.
 */
export function benchmarkTable(rows: readonly BenchmarkHistoryRow[], options: BenchmarkTableOptions = {}): BenchmarkTable {
  const since = options.since === undefined ? undefined : Date.parse(options.since);
  const shown = flagRegressions(rows).filter(
    (row) => (options.model === undefined || row.model === options.model) && (since === undefined || Date.parse(row.date) >= since),
  );
  const columns: BenchmarkTableColumn[] = uniqueBy(
    shown.map((row) => ({ device: row.device, batchSize: row.batchSize, reference: false })),
    (c) => `${c.device}|${c.batchSize}`,
  ).sort((a, b) => a.device.localeCompare(b.device) || (a.batchSize ?? 0) - (b.batchSize ?? 0));
  const lines: BenchmarkTableRow[] = uniqueBy(
    shown.map((row) => ({ model: row.model, backend: row.backend })),
    (r) => `${r.model}|${r.backend}`,
  )
    .sort((a, b) => a.model.localeCompare(b.model) || a.backend.localeCompare(b.backend))
    .map(({ model, backend }) => ({
      model,
      backend,
      reference: false,
      cells: columns.map((column) => {
        // Rows are in date order, so the last one measured in this cell is the latest.
        const latest = shown.filter((r) => r.model === model && r.backend === backend && r.device === column.device && r.batchSize === column.batchSize).at(-1);
        if (latest === undefined) return undefined;
        const { secondsPer1000Images, imagesPerSecond, regression, jobId, date } = latest;
        return { secondsPer1000Images, imagesPerSecond, fastest: false, jobId, date, ...(regression ? { regression } : {}) };
      }),
    }));
  const withReference = (options.reference ?? true) && (options.model === undefined || options.model === LECTURE_REFERENCE_MODEL);
  if (withReference) {
    const devices = uniqueBy(LECTURE_REFERENCE_ROWS.map((r) => r.device), (d) => d);
    for (const line of lines) line.cells.push(...devices.map(() => undefined));
    const first = columns.length;
    columns.push(...devices.map((device) => ({ device, reference: true })));
    for (const backend of uniqueBy(LECTURE_REFERENCE_ROWS.map((r) => r.backend), (b) => b)) {
      const cells = columns.map((column, c): BenchmarkTableCell | undefined => {
        if (c < first) return undefined;
        const figure = LECTURE_REFERENCE_ROWS.find((r) => r.backend === backend && r.device === column.device);
        return figure && { secondsPer1000Images: figure.secondsPer1000Images, fastest: false };
      });
      lines.push({ model: LECTURE_REFERENCE_MODEL, backend, reference: true, cells });
    }
  }
  columns.forEach((_, c) => {
    const times = lines.map((line) => line.cells[c]?.secondsPer1000Images).filter((t): t is number => t !== undefined);
    const fastest = Math.min(...times);
    for (const line of lines) {
      const cell = line.cells[c];
      if (cell && cell.secondsPer1000Images === fastest) cell.fastest = true;
    }
  });
  return { columns, rows: lines };
}

function sortedByDate<T extends { date: string }>(rows: readonly T[]): T[] {
  // A stable sort keeps rows of the same instant in the order they were written.
  return [...rows].sort((a, b) => Date.parse(a.date) - Date.parse(b.date));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

/**
 * The history rows of a succeeded `benchmark` job's result: one per backend that ran (a row
 * with an error measured nothing). Anything that is not a benchmark result gives no rows, so a
 * malformed result can never write a misleading one.
 */
export function historyRowsOfResult(jobId: string, date: string, result: unknown): BenchmarkHistoryRow[] {
  if (!isRecord(result) || typeof result.model !== 'string' || !Array.isArray(result.rows)) return [];
  const model = result.model;
  return result.rows.filter(isMeasuredRow).map((row) => ({
    date,
    model,
    backend: row.backend,
    device: row.device,
    batchSize: row.batchSize,
    inputSize: row.inputSize,
    versions: versionsOf(row),
    secondsPer1000Images: row.secondsPer1000Images,
    imagesPerSecond: row.imagesPerSecond,
    jobId,
  }));
}

interface MeasuredRow {
  backend: string;
  device: string;
  batchSize: number;
  inputSize: number;
  secondsPer1000Images: number;
  imagesPerSecond: number;
  backendVersion?: unknown;
  tfjsVersion?: unknown;
  nodeVersion?: unknown;
}

function isMeasuredRow(row: unknown): row is MeasuredRow {
  return (
    isRecord(row) &&
    typeof row.backend === 'string' &&
    typeof row.device === 'string' &&
    ['batchSize', 'inputSize', 'secondsPer1000Images', 'imagesPerSecond'].every((field) => typeof row[field] === 'number' && Number.isFinite(row[field]))
  );
}

function versionsOf(row: MeasuredRow): Record<string, string> {
  const versions: Record<string, string> = {};
  if (typeof row.tfjsVersion === 'string') versions.tfjs = row.tfjsVersion;
  if (typeof row.backendVersion === 'string') versions[row.backend] = row.backendVersion;
  if (typeof row.nodeVersion === 'string') versions.node = row.nodeVersion;
  return versions;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

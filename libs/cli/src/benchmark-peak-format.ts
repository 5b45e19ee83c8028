/** The figures of a benchmark row that say how fast it ran against its backend's peak. */
interface PeakRow {
  backend: string;
  imagesPerSecond: number;
  flopsPerImage: number;
  gflopsPerSecond: number;
  matMulGflopsPerSecond: number;
  shareOfPeak: number;
  matMulSide?: number;
}

function isPeakRow(row: unknown): row is PeakRow {
  return typeof row === 'object' && row !== null && typeof (row as PeakRow).shareOfPeak === 'number';
}

/**
 * A benchmark result's rows as sentences about their share of the backend's peak ("wasm: 3.4
 * images/s × 7.71 GFLOP = 26.1 GFLOP/s, 72% of its 36.0 GFLOP/s matMul (1024x1024)"), which the wide rows
 * table spreads over five columns; none for any other result, or rows that failed.
 */
export function benchmarkPeakLines(result: Record<string, unknown>, indent: string): string[] {
  const rows = Array.isArray(result.rows) ? result.rows.filter(isPeakRow) : [];
  if (rows.length === 0) return [];
  return [
    `${indent}peak:`,
    ...rows.map(
      (r) =>
        `${indent}  ${r.backend}: ${r.imagesPerSecond.toFixed(2)} images/s × ${(r.flopsPerImage / 1e9).toFixed(2)} GFLOP = ${r.gflopsPerSecond.toFixed(1)} GFLOP/s, ` +
        `${Math.round(100 * r.shareOfPeak)}% of its ${r.matMulGflopsPerSecond.toFixed(1)} GFLOP/s matMul${r.matMulSide ? ` (${r.matMulSide}x${r.matMulSide})` : ''}`,
    ),
  ];
}

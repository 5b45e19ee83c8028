/** The p-th percentile (0..100) of the samples, nearest rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function printTable(title: string, rows: readonly (readonly [string, string])[]): void {
  console.log(`\n${title}`);
  printMarkdownTable(['measure', 'value'], rows);
}

/** A Markdown table, its columns padded to their widest cell, so it reads in a terminal and pastes into the README. */
export function printMarkdownTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

/** A small seeded generator so every run replays the same term. */
export { seededRandom as seeded } from '@gpulab/compute';

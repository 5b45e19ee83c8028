import { renderPng } from './render-png';
import { escapeXml, PALETTE, svgDocument } from './svg';

/** Bars in groups: one group per category, one bar per series in each. */
export interface GroupedBarChartOptions {
  /** The groups along the x axis, in order. */
  groups: string[];
  /** Each series has a value per group (`undefined` where it has none) and its own colour. */
  series: { name: string; values: (number | undefined)[]; /** Drawn hatched-grey, for figures not measured here. */ reference?: boolean }[];
  /** Bars drawn with a black outline, by `series index` then `group index`. */
  highlighted?: [number, number][];
  title?: string;
  yLabel?: string;
  /** Pixels. @default 1000 */
  width?: number;
  /** Pixels. @default 600 */
  height?: number;
}

/** A drawn chart and the colour each series got. */
export interface GroupedBarChart {
  svg: string;
  width: number;
  height: number;
  colors: string[];
}

const DEFAULTS = { width: 1000, height: 600 } as const;

/** Exported so a test can find a bar's pixels. */
export const BAR_LAYOUT = { top: 60, bottom: 110, left: 80, right: 20, legendRow: 22, groupGap: 0.2 } as const;

/** Slide figures are grey so they never read as one of our own series. */
const REFERENCE_COLOR = '#9e9e9e';

/** A grouped bar chart, bars from zero up, with a legend of the series under it. */
export function groupedBarSvg(options: GroupedBarChartOptions): GroupedBarChart {
  const width = options.width ?? DEFAULTS.width;
  const height = options.height ?? DEFAULTS.height;
  const { top, bottom, left, right, legendRow, groupGap } = BAR_LAYOUT;
  for (const s of options.series) {
    if (s.values.length !== options.groups.length) throw new RangeError(`series ${s.name} has ${s.values.length} values for ${options.groups.length} groups`);
  }
  const colors = options.series.map((s, i) => (s.reference ? REFERENCE_COLOR : PALETTE[i % PALETTE.length]));
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const max = Math.max(0, ...options.series.flatMap((s) => s.values.filter((v): v is number => v !== undefined)));
  const scale = max > 0 ? plotHeight / max : 0;
  const groupWidth = plotWidth / Math.max(1, options.groups.length);
  const barWidth = (groupWidth * (1 - groupGap)) / Math.max(1, options.series.length);
  const highlighted = new Set((options.highlighted ?? []).map(([s, g]) => `${s}|${g}`));
  const body: string[] = [];
  if (options.title) body.push(`<text x="${left}" y="30" font-size="18" font-weight="bold">${escapeXml(options.title)}</text>`);
  if (options.yLabel) body.push(`<text x="16" y="${top + plotHeight / 2}" font-size="13" transform="rotate(-90 16 ${top + plotHeight / 2})" text-anchor="middle">${escapeXml(options.yLabel)}</text>`);
  body.push(`<line x1="${left}" y1="${top + plotHeight}" x2="${left + plotWidth}" y2="${top + plotHeight}" stroke="#333333"/>`);
  body.push(`<text x="${left - 6}" y="${top + 5}" font-size="11" text-anchor="end">${escapeXml(formatTick(max))}</text>`);
  options.groups.forEach((group, g) => {
    const groupLeft = left + g * groupWidth + (groupWidth * groupGap) / 2;
    body.push(`<text x="${left + g * groupWidth + groupWidth / 2}" y="${top + plotHeight + 18}" font-size="12" text-anchor="middle">${escapeXml(group)}</text>`);
    options.series.forEach((s, i) => {
      const value = s.values[g];
      if (value === undefined) return;
      const h = value * scale;
      const x = groupLeft + i * barWidth;
      const outline = highlighted.has(`${i}|${g}`) ? ' stroke="#000000" stroke-width="2"' : '';
      body.push(`<rect x="${x}" y="${top + plotHeight - h}" width="${barWidth}" height="${h}" fill="${colors[i]}"${outline}/>`);
      body.push(`<text x="${x + barWidth / 2}" y="${top + plotHeight - h - 4}" font-size="10" text-anchor="middle">${escapeXml(formatTick(value))}</text>`);
    });
  });
  options.series.forEach((s, i) => {
    const perRow = Math.max(1, Math.floor(plotWidth / 220));
    const x = left + (i % perRow) * 220;
    const y = top + plotHeight + 36 + Math.floor(i / perRow) * legendRow;
    body.push(`<rect x="${x}" y="${y}" width="14" height="14" fill="${colors[i]}"/>`);
    body.push(`<text x="${x + 20}" y="${y + 12}" font-size="12">${escapeXml(s.name)}</text>`);
  });
  return { svg: svgDocument(width, height, body), width, height, colors };
}

/** The chart as PNG bytes. */
export function groupedBarPng(options: GroupedBarChartOptions): Uint8Array {
  return renderPng(groupedBarSvg(options).svg);
}

function formatTick(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

import { renderPng } from './render-png';
import { escapeXml, svgDocument } from './svg';

export interface ScatterPoints {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** A class per point, `names[codes[i]]`; without it every point has one colour and there is no legend. */
  labels?: { codes: Int32Array; names: string[] };
}

export interface ScatterChartOptions {
  points: ScatterPoints;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Pixels. @default 1200 */
  width?: number;
  /** Pixels. @default 900 */
  height?: number;
  /** Point diameter in pixels. @default from the number of points: 9 for 1,000 or fewer, 5 for 10,000, 3 from 50,000 */
  pointSize?: number;
  /** 0..1. @default from the number of points: 0.8 for 1,000 or fewer, 0.6 for 10,000, 0.43 for 70,000 */
  opacity?: number;
}

export interface ScatterChart {
  svg: string;
  width: number;
  height: number;
  /** The colour of each class, by code; one entry when the points have no labels. */
  colors: string[];
}

/**
 * matplotlib's tab10, the colours a deep-learning class has seen in every t-SNE plot, then ten
 * that stay apart from them on a projector; past 20 classes hues are spread by the golden angle.
 */
export const SCATTER_PALETTE = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
  '#000075', '#800000', '#808000', '#f032e6', '#469990', '#ffe119', '#000000', '#bfef45', '#9a6324', '#42d4f4',
] as const;

const DEFAULTS = { width: 1200, height: 900 } as const;
const LAYOUT = { top: 70, bottom: 80, left: 90, right: 30, legendGap: 24, legendRow: 28, legendFont: 17, swatch: 16 } as const;

/**
 * Points are drawn as zero-length path segments with round caps, which render as dots: one
 * `<path>` per class and batch instead of an element per point keeps 70,000 points near 1 MB of
 * SVG. Rows are drawn in batches, each batch for every class in turn, so no class is buried
 * under the one drawn after it.
 */
const BATCHES = 8;

/** A scatter plot of 2-D points coloured by class, with a legend of the classes. */
export function scatterSvg(options: ScatterChartOptions): ScatterChart {
  const { points } = options;
  const n = points.x.length;
  if (points.y.length !== n) throw new RangeError(`x has ${n} values but y has ${points.y.length}`);
  if (points.labels && points.labels.codes.length !== n) throw new RangeError(`there are ${n} points but ${points.labels.codes.length} labels`);
  const width = options.width ?? DEFAULTS.width;
  const height = options.height ?? DEFAULTS.height;
  const names = points.labels?.names ?? [];
  const colors = (names.length > 0 ? names : ['']).map((_, i) => classColor(i));

  const legend = names.length > 0 ? legendLayout(names, height) : undefined;
  const plot = {
    left: LAYOUT.left,
    top: LAYOUT.top,
    right: width - LAYOUT.right - (legend ? legend.width + LAYOUT.legendGap : 0),
    bottom: height - LAYOUT.bottom,
  };
  const xs = axisScale(points.x, plot.left, plot.right);
  const ys = axisScale(points.y, plot.bottom, plot.top);

  const body: string[] = [];
  if (options.title) {
    body.push(`<text x="${width / 2}" y="40" font-size="26" font-weight="bold" text-anchor="middle">${escapeXml(options.title)}</text>`);
  }
  body.push(...axes(plot, xs, ys, options));
  body.push(...dots(points, xs, ys, colors, options));
  if (legend) body.push(...legendItems(legend, names, colors, plot.right + LAYOUT.legendGap, plot.top));
  return { svg: svgDocument(width, height, body), width, height, colors };
}

/** {@link scatterSvg} rendered to PNG bytes. */
export function scatterPng(options: ScatterChartOptions): Uint8Array {
  return renderPng(scatterSvg(options).svg);
}

function classColor(i: number): string {
  if (i < SCATTER_PALETTE.length) return SCATTER_PALETTE[i];
  return hslHex((i * 137.508) % 360, 0.65, i % 2 === 0 ? 0.45 : 0.6);
}

interface Scale {
  /** Data value to pixel, rounded to 0.1 px: finer is invisible and only makes the SVG longer. */
  at(v: number): number;
  ticks: number[];
  decimals: number;
}

/** A linear scale over the finite values, padded so no dot sits on the frame, with round ticks. */
function axisScale(values: ArrayLike<number>, from: number, to: number): Scale {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min > max) [min, max] = [0, 1];
  if (min === max) [min, max] = [min - (Math.abs(min) || 1) / 2, max + (Math.abs(max) || 1) / 2];
  const pad = (max - min) * 0.04;
  min -= pad;
  max += pad;
  const step = niceStep((max - min) / 7);
  const ticks: number[] = [];
  // Multiples of the step rather than a running sum, which would drift off round numbers.
  for (let k = Math.ceil(min / step); k * step <= max; k++) ticks.push(k * step);
  const k = (to - from) / (max - min);
  return {
    at: (v) => Math.round((from + (v - min) * k) * 10) / 10,
    ticks,
    decimals: Math.max(0, -Math.floor(Math.log10(step) + 1e-9)),
  };
}

/** The round number (1, 2 or 5 times a power of ten) nearest to `rough`. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const f = rough / power;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * power;
}

function axes(plot: { left: number; top: number; right: number; bottom: number }, xs: Scale, ys: Scale, options: ScatterChartOptions): string[] {
  const out: string[] = [];
  const grid: string[] = [];
  for (const t of xs.ticks) {
    const x = xs.at(t);
    grid.push(`M${x} ${plot.top}V${plot.bottom}`);
    out.push(`<text x="${x}" y="${plot.bottom + 26}" font-size="16" text-anchor="middle" fill="#333333">${formatTick(t, xs.decimals)}</text>`);
  }
  for (const t of ys.ticks) {
    const y = ys.at(t);
    grid.push(`M${plot.left} ${y}H${plot.right}`);
    out.push(`<text x="${plot.left - 10}" y="${y + 5}" font-size="16" text-anchor="end" fill="#333333">${formatTick(t, ys.decimals)}</text>`);
  }
  out.unshift(`<path d="${grid.join('')}" stroke="#e5e5e5" stroke-width="1" fill="none"/>`);
  out.push(`<rect x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}" fill="none" stroke="#888888" stroke-width="1"/>`);
  if (options.xLabel) {
    out.push(`<text x="${(plot.left + plot.right) / 2}" y="${plot.bottom + 62}" font-size="19" text-anchor="middle">${escapeXml(options.xLabel)}</text>`);
  }
  if (options.yLabel) {
    const cy = (plot.top + plot.bottom) / 2;
    out.push(`<text x="24" y="${cy}" font-size="19" text-anchor="middle" transform="rotate(-90 24 ${cy})">${escapeXml(options.yLabel)}</text>`);
  }
  return out;
}

/** With a true minus sign, which lines up with the digits where a hyphen looks short. */
function formatTick(t: number, decimals: number): string {
  const text = t.toFixed(Math.min(decimals, 20));
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text.replace('-', '\u2212');
}

function dots(points: ScatterPoints, xs: Scale, ys: Scale, colors: readonly string[], options: ScatterChartOptions): string[] {
  const n = points.x.length;
  const size = options.pointSize ?? clamp(10 * (1000 / Math.max(n, 1)) ** 0.3, 3, 9);
  const opacity = options.opacity ?? clamp(0.8 - 0.2 * Math.log10(Math.max(n, 1) / 1000), 0.35, 0.8);
  const codes = points.labels?.codes;
  const classes = colors.length;
  const batch = Math.ceil(n / BATCHES) || 1;
  const out: string[] = [];
  for (let start = 0; start < n; start += batch) {
    const segments: string[][] = Array.from({ length: classes }, () => []);
    for (let i = start; i < Math.min(n, start + batch); i++) {
      const x = points.x[i];
      const y = points.y[i];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      const c = codes ? codes[i] : 0;
      if (!(c >= 0 && c < classes)) throw new RangeError(`point ${i} has class code ${c}, but there are ${classes} class names`);
      segments[c].push(`M${xs.at(x)} ${ys.at(y)}h0`);
    }
    segments.forEach((d, c) => {
      if (d.length > 0) out.push(`<path d="${d.join('')}" stroke="${colors[c]}" stroke-width="${size.toFixed(1)}" stroke-linecap="round" stroke-opacity="${opacity.toFixed(2)}" fill="none"/>`);
    });
  }
  return out;
}

interface LegendLayout {
  width: number;
  columns: number;
  rows: number;
  columnWidth: number;
  /** Entries shown; past them one line says how many more classes there are. */
  shown: number;
}

/** Columns of entries down the right side; a long list of classes gets more columns, up to three. */
function legendLayout(names: readonly string[], height: number): LegendLayout {
  const fit = Math.max(1, Math.floor((height - LAYOUT.top - LAYOUT.bottom) / LAYOUT.legendRow));
  const columns = Math.min(3, Math.ceil(names.length / fit));
  const rows = Math.min(fit, Math.ceil(names.length / columns));
  const shown = names.length <= columns * rows ? names.length : columns * rows - 1;
  const longest = Math.max(...names.slice(0, shown).map((s) => s.length), 8);
  // DejaVu Sans averages about 0.6 em a character.
  const columnWidth = Math.min(280, Math.ceil(LAYOUT.swatch + 10 + longest * LAYOUT.legendFont * 0.6 + 14));
  return { width: columns * columnWidth, columns, rows, columnWidth, shown };
}

function legendItems(legend: LegendLayout, names: readonly string[], colors: readonly string[], left: number, top: number): string[] {
  const out: string[] = [];
  const place = (i: number) => ({ x: left + Math.floor(i / legend.rows) * legend.columnWidth, y: top + (i % legend.rows) * LAYOUT.legendRow });
  for (let i = 0; i < legend.shown; i++) {
    const { x, y } = place(i);
    out.push(`<rect x="${x}" y="${y}" width="${LAYOUT.swatch}" height="${LAYOUT.swatch}" fill="${colors[i]}"/>`);
    out.push(`<text x="${x + LAYOUT.swatch + 8}" y="${y + 14}" font-size="${LAYOUT.legendFont}">${escapeXml(names[i])}</text>`);
  }
  if (legend.shown < names.length) {
    const { x, y } = place(legend.shown);
    out.push(`<text x="${x}" y="${y + 14}" font-size="${LAYOUT.legendFont}" fill="#666666">… and ${names.length - legend.shown} more</text>`);
  }
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function hslHex(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const channel = (k: number) => {
    const m = (k + h / 30) % 12;
    const v = l - a * Math.max(-1, Math.min(m - 3, 9 - m, 1));
    return Math.round(v * 255)
      .toString(16)
      .padStart(2, '0');
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}

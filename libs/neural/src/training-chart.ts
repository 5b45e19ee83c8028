import { escapeXml, renderPng, SCATTER_PALETTE, svgDocument } from '@gpulab/charts';
import { type EpochStats } from './epoch-stats';

export interface TrainingChartOptions {
  title?: string;
  /** Pixels. @default 1200 */
  width?: number;
  /** Pixels. @default 500 */
  height?: number;
}

interface Series {
  name: string;
  color: string;
  dashed: boolean;
  values: (number | undefined)[];
}

const LAYOUT = { top: 105, bottom: 70, left: 80, right: 30, gap: 90 } as const;
const TRAIN = { name: 'training', color: SCATTER_PALETTE[0], dashed: false };
const VALIDATION = { name: 'validation', color: SCATTER_PALETTE[1], dashed: true };

/**
 * Loss and accuracy per epoch, side by side, training and validation as two lines each: the
 * picture a student reads to see whether the model still learns or has begun to overfit.
 */
export function trainingChartSvg(history: readonly EpochStats[], options: TrainingChartOptions = {}): string {
  const width = options.width ?? 1200;
  const height = options.height ?? 500;
  const panelWidth = (width - LAYOUT.left - LAYOUT.right - LAYOUT.gap) / 2;
  const epochs = history.map((h) => h.epoch);
  const body: string[] = [];
  if (options.title) body.push(`<text x="${width / 2}" y="36" font-size="24" font-weight="bold" text-anchor="middle">${escapeXml(options.title)}</text>`);
  body.push(...legend(width / 2, 64));
  body.push(
    ...panel({ left: LAYOUT.left, top: LAYOUT.top, right: LAYOUT.left + panelWidth, bottom: height - LAYOUT.bottom }, epochs, 'loss (cross-entropy)', [
      { ...TRAIN, values: history.map((h) => h.loss) },
      { ...VALIDATION, values: history.map((h) => h.valLoss) },
    ]),
  );
  const left = LAYOUT.left + panelWidth + LAYOUT.gap;
  body.push(
    ...panel({ left, top: LAYOUT.top, right: left + panelWidth, bottom: height - LAYOUT.bottom }, epochs, 'accuracy', [
      { ...TRAIN, values: history.map((h) => h.accuracy) },
      { ...VALIDATION, values: history.map((h) => h.valAccuracy) },
    ]),
  );
  return svgDocument(width, height, body);
}

/** {@link trainingChartSvg} rendered to PNG bytes. */
export function trainingChartPng(history: readonly EpochStats[], options: TrainingChartOptions = {}): Uint8Array {
  return renderPng(trainingChartSvg(history, options));
}

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

function panel(box: Box, epochs: readonly number[], label: string, series: readonly Series[]): string[] {
  const values = series.flatMap((s) => s.values.filter((v): v is number => v !== undefined && Number.isFinite(v)));
  let [min, max] = values.length > 0 ? [Math.min(...values), Math.max(...values)] : [0, 1];
  if (min === max) [min, max] = [min - 0.5, max + 0.5];
  const pad = (max - min) * 0.08;
  [min, max] = [min - pad, max + pad];
  const first = epochs[0] ?? 1;
  const last = Math.max(epochs.at(-1) ?? 1, first + 1);
  const x = (epoch: number) => round(box.left + ((epoch - first) / (last - first)) * (box.right - box.left));
  const y = (v: number) => round(box.bottom - ((v - min) / (max - min)) * (box.bottom - box.top));
  const out: string[] = [];
  const step = niceStep((max - min) / 6);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const grid: string[] = [];
  for (let k = Math.ceil(min / step); k * step <= max; k++) {
    const v = k * step;
    grid.push(`M${box.left} ${y(v)}H${box.right}`);
    out.push(`<text x="${box.left - 10}" y="${y(v) + 5}" font-size="15" text-anchor="end" fill="#333333">${v.toFixed(decimals)}</text>`);
  }
  const every = Math.max(1, Math.ceil(epochs.length / 12));
  epochs.forEach((e, i) => {
    if (i % every !== 0 && i !== epochs.length - 1) return;
    grid.push(`M${x(e)} ${box.top}V${box.bottom}`);
    out.push(`<text x="${x(e)}" y="${box.bottom + 24}" font-size="15" text-anchor="middle" fill="#333333">${e}</text>`);
  });
  out.unshift(`<path d="${grid.join('')}" stroke="#e5e5e5" stroke-width="1" fill="none"/>`);
  out.push(`<rect x="${box.left}" y="${box.top}" width="${round(box.right - box.left)}" height="${box.bottom - box.top}" fill="none" stroke="#888888" stroke-width="1"/>`);
  out.push(`<text x="${round((box.left + box.right) / 2)}" y="${box.bottom + 52}" font-size="17" text-anchor="middle">epoch</text>`);
  out.push(`<text x="${round((box.left + box.right) / 2)}" y="${box.top - 10}" font-size="18" font-weight="bold" text-anchor="middle">${escapeXml(label)}</text>`);
  for (const s of series) {
    const points = epochs.flatMap((e, i) => {
      const v = s.values[i];
      return v !== undefined && Number.isFinite(v) ? [[x(e), y(v)]] : [];
    });
    if (points.length === 0) continue;
    const dash = s.dashed ? ' stroke-dasharray="10 6"' : '';
    out.push(`<path d="${points.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${px} ${py}`).join('')}" stroke="${s.color}" stroke-width="3" fill="none"${dash}/>`);
    for (const [px, py] of points) out.push(`<circle cx="${px}" cy="${py}" r="5" fill="${s.color}"/>`);
  }
  return out;
}

function legend(center: number, y: number): string[] {
  return [TRAIN, VALIDATION].flatMap((s, i) => {
    const x = center - 170 + i * 190;
    const dash = s.dashed ? ' stroke-dasharray="10 6"' : '';
    return [
      `<path d="M${x} ${y - 6}h40" stroke="${s.color}" stroke-width="3"${dash}/>`,
      `<text x="${x + 50}" y="${y}" font-size="17">${s.name}</text>`,
    ];
  });
}

/** The round number (1, 2 or 5 times a power of ten) nearest to `rough`. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const f = rough / power;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * power;
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

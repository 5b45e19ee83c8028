import { escapeXml, renderPng, svgDocument } from '@gpulab/charts';

/** Past this many classes the cells are too small to read; the matrix stays in the result. */
export const CONFUSION_CHART_MAX_CLASSES = 40;

/** `counts[t][p]`: test images of true class t predicted as p. */
export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number[][] {
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < truth.length; i++) counts[truth[i]][predicted[i]]++;
  return counts;
}

/**
 * The confusion matrix as a heat map: rows the true class, columns the predicted one, each
 * cell shaded by its share of the row (so a rare class's mistakes show as plainly as a common
 * one's) and labelled with its count while the cells are large enough.
 */
export function confusionChartSvg(counts: readonly (readonly number[])[], names: readonly string[], title?: string): string {
  const n = names.length;
  const cell = Math.max(14, Math.min(70, Math.floor(700 / n)));
  const labelSpace = Math.min(160, 20 + 9 * Math.max(...names.map((s) => s.length), 1));
  const left = labelSpace + 40;
  const top = 100;
  const width = left + n * cell + 40;
  const height = top + n * cell + labelSpace + 40;
  const body: string[] = [];
  if (title) body.push(`<text x="${width / 2}" y="36" font-size="22" font-weight="bold" text-anchor="middle">${escapeXml(title)}</text>`);
  body.push(`<text x="${left + (n * cell) / 2}" y="${top + n * cell + labelSpace + 25}" font-size="17" text-anchor="middle">predicted class</text>`);
  body.push(`<text x="22" y="${top + (n * cell) / 2}" font-size="17" text-anchor="middle" transform="rotate(-90 22 ${top + (n * cell) / 2})">true class</text>`);
  const font = Math.min(16, Math.floor(cell / 3));
  counts.forEach((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, p) => {
      const share = total > 0 ? count / total : 0;
      const x = left + p * cell;
      const y = top + t * cell;
      body.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${shade(share)}" stroke="#ffffff" stroke-width="1"/>`);
      if (cell >= 28 && count > 0) {
        body.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + font / 3}" font-size="${font}" text-anchor="middle" fill="${share > 0.5 ? '#ffffff' : '#222222'}">${count}</text>`);
      }
    });
  });
  const labelFont = Math.min(15, Math.max(9, cell - 4));
  names.forEach((name, i) => {
    const text = escapeXml(name.length > 18 ? `${name.slice(0, 17)}…` : name);
    body.push(`<text x="${left - 8}" y="${top + i * cell + cell / 2 + labelFont / 3}" font-size="${labelFont}" text-anchor="end">${text}</text>`);
    const cx = left + i * cell + cell / 2;
    const cy = top + n * cell + 10;
    body.push(`<text x="${cx}" y="${cy}" font-size="${labelFont}" text-anchor="end" transform="rotate(-60 ${cx} ${cy})">${text}</text>`);
  });
  return svgDocument(width, height, body);
}

/** {@link confusionChartSvg} rendered to PNG bytes. */
export function confusionChartPng(counts: readonly (readonly number[])[], names: readonly string[], title?: string): Uint8Array {
  return renderPng(confusionChartSvg(counts, names, title));
}

/** White to a deep blue. */
function shade(share: number): string {
  const from = [255, 255, 255];
  const to = [8, 48, 107];
  const s = Math.sqrt(share);
  const channel = (i: number) => Math.round(from[i] + (to[i] - from[i]) * s).toString(16).padStart(2, '0');
  return `#${channel(0)}${channel(1)}${channel(2)}`;
}

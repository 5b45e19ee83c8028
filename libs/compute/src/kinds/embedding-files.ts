import { scatterPng } from '@gpulab/charts';
import { encodeNpy } from '../formats/npy';
import { type Labels, type OutputFile } from '../job-kind';

export interface EmbeddingPlot {
  /** File name stem: `<stem>.png`. */
  stem: string;
  title: string;
  xLabel: string;
  yLabel: string;
}

/**
 * The files every embedding job leaves: the coordinates as float32 NPY (for numpy) and as CSV
 * with the class per row (for a spreadsheet), and a scatter plot of the first two columns
 * coloured by class, sized for a slide.
 */
export function embeddingFiles(embedding: Float64Array, rows: number, cols: number, labels: Labels | undefined, plot: EmbeddingPlot): OutputFile[] {
  const files: OutputFile[] = [
    {
      name: 'embedding.npy',
      contentType: 'application/x-npy',
      bytes: encodeNpy([rows, cols], Float32Array.from(embedding)),
      description: `${rows} x ${cols} float32`,
    },
    { name: 'embedding.csv', contentType: 'text/csv', bytes: embeddingCsv(embedding, rows, cols, labels), description: 'one row per input row' },
  ];
  if (cols >= 2) {
    const x = new Float64Array(rows);
    const y = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      x[i] = embedding[i * cols];
      y[i] = embedding[i * cols + 1];
    }
    files.push({
      name: `${plot.stem}.png`,
      contentType: 'image/png',
      bytes: scatterPng({ points: { x, y, labels }, title: plot.title, xLabel: plot.xLabel, yLabel: plot.yLabel }),
      description: 'scatter plot, 1200 x 900',
    });
  }
  return files;
}

function embeddingCsv(embedding: Float64Array, rows: number, cols: number, labels: Labels | undefined): Uint8Array {
  const header = Array.from({ length: cols }, (_, c) => `dim${c + 1}`);
  if (labels) header.push('label');
  const lines = [header.join(',')];
  for (let i = 0; i < rows; i++) {
    const values = Array.from(embedding.subarray(i * cols, (i + 1) * cols), (v) => String(Math.fround(v)));
    if (labels) values.push(csvField(labels.names[labels.codes[i]]));
    lines.push(values.join(','));
  }
  return Buffer.from(lines.join('\n') + '\n');
}

function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The first `rows` rows of labels. */
export function firstLabels(labels: Labels | undefined, rows: number): Labels | undefined {
  return labels && { codes: labels.codes.subarray(0, rows), names: labels.names };
}

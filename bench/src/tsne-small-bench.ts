#!/usr/bin/env node
/**
 * `node bench/dist/tsne-small-bench.js [--digits <digits.csv.gz>] [--fashion 2000] [--runs 3]
 * [--method barnes-hut] [--baseline <compute's dist/index.js>]`: t-SNE's optimization phase on
 * small inputs (perplexity 30, 1,000 iterations, seed 1), the fastest and median of `runs`, with
 * the final KL as tsne reports it (its Z estimated as the forces are), the KL with the exact Z
 * and 10-NN accuracy. The digits are scikit-learn's CSV (64 features, the label
 * 65th). `--baseline` runs another build's tsne in turn with this one, so both see the same load.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import * as compute from '@gpulab/compute';
import { ExactRepulsion, sparseAffinities, type SparseAffinities, tsneGradient } from '@gpulab/compute/testing';
import { printMarkdownTable } from './stats';

type Compute = Pick<typeof compute, 'tsne' | 'knnAccuracy'>;
interface Input {
  name: string;
  x: { rows: number; cols: number; data: Float64Array };
  codes: Int32Array;
}
interface Fit {
  ms: number;
  kl: number;
  exactKl: number;
  accuracy: number;
}

const PERPLEXITY = 30;

/** P as tsne builds it for these inputs: 50 principal components above 100 columns, 3 × perplexity + 1 neighbours. */
function affinities(input: Input): SparseAffinities {
  const reduced = input.x.cols > 100 ? compute.principalComponents(input.x, 50).embedding : input.x;
  return sparseAffinities(compute.exactNeighbours(reduced, Math.floor(3 * PERPLEXITY + 1)), PERPLEXITY);
}

function digits(path: string): Input {
  const lines = gunzipSync(readFileSync(path)).toString('utf8').trim().split('\n');
  const data = new Float64Array(lines.length * 64);
  const codes = new Int32Array(lines.length);
  lines.forEach((line, i) => {
    const v = line.split(',').map(Number);
    data.set(v.slice(0, 64), i * 64);
    codes[i] = v[64];
  });
  return { name: `digits ${lines.length}`, x: { rows: lines.length, cols: 64, data }, codes };
}

async function fashion(n: number): Promise<Input> {
  const { matrix, labels } = await compute.fashionMnistDataset().load();
  if (!labels) throw new Error('the Fashion-MNIST set came without labels');
  return { name: `fashion ${n}`, x: { rows: n, cols: 784, data: matrix.data.subarray(0, n * 784) }, codes: labels.codes.subarray(0, n) };
}

async function optimize(build: Compute, input: Input, p: SparseAffinities, method: 'barnes-hut' | 'fft'): Promise<Fit> {
  const fit = await build.tsne(input.x, { perplexity: PERPLEXITY, iterations: 1000, seed: 1, method });
  const n = input.x.rows;
  const exactKl = tsneGradient(fit.embedding, n, p, undefined, new ExactRepulsion(), 1, new Float64Array(2 * n), true);
  return { ms: fit.timingsMs.optimization, kl: fit.kl, exactKl, accuracy: build.knnAccuracy(fit.embedding, { codes: input.codes, names: [] }, 10) };
}

function summary(runs: Fit[]): string[] {
  const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
  return [ms[0].toFixed(0), ms[ms.length >> 1].toFixed(0), runs[0].kl.toFixed(4), runs[0].exactKl.toFixed(4), runs[0].accuracy.toFixed(4)];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { digits: { type: 'string' }, fashion: { type: 'string', default: '2000' }, runs: { type: 'string', default: '3' }, method: { type: 'string', default: 'barnes-hut' }, baseline: { type: 'string' } } });
  const method = values.method === 'fft' ? 'fft' : 'barnes-hut';
  const inputs = [...(values.digits ? [digits(values.digits)] : []), ...(Number(values.fashion) > 0 ? [await fashion(Number(values.fashion))] : [])];
  const baseline = values.baseline ? ((await import(values.baseline)) as Compute) : undefined;
  const rows: string[][] = [];
  for (const input of inputs) {
    const p = affinities(input);
    const now: Fit[] = [];
    const then: Fit[] = [];
    const loads: number[] = [];
    for (let run = 0; run < Number(values.runs); run++) {
      loads.push(loadavg()[0]);
      now.push(await optimize(compute, input, p, method));
      if (baseline) then.push(await optimize(baseline, input, p, method));
    }
    const row = [input.name, ...summary(now)];
    if (baseline) row.push(...summary(then));
    rows.push([...row, loads.map((l) => l.toFixed(1)).join(' ')]);
  }
  const header = ['input', 'optimization ms (best)', 'median', 'KL', 'exact KL', '10-NN accuracy'];
  if (baseline) header.push('baseline ms (best)', 'median', 'KL', 'exact KL', '10-NN accuracy');
  printMarkdownTable([...header, 'load (1 min) before each run'], rows);
}

void main();

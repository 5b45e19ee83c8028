#!/usr/bin/env node
/**
 * PCA and t-SNE against scikit-learn on the same machine: prints one table with times, KL
 * divergence, the 10-NN label accuracy of each embedding and peak memory.
 *   npm run bench:visualization              all cases, scikit-learn beside them when installed
 *   npm run bench:visualization -- --quick   without the 70,000-point t-SNE
 *   npm run bench:visualization -- --tensor  also digits on the tensor path (TensorFlow.js, its
 *                                            best installed backend: a GPU with tfjs-node-gpu)
 *   npm run bench:visualization -- --case digits-tensor   that row alone, as JSON
 * Each case runs in a child process, so its peak memory is its own. scikit-learn comes from
 * Debian's python3-sklearn (1.2.1 on bookworm); without it the table has our figures only.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fashionMnistDataset, knnAccuracy, type Labels, type Matrix, principalComponents, tsne } from '@gpulab/compute';
import { initBackend, TensorTsneAccelerator } from '@gpulab/neural';
import { printMarkdownTable } from './stats';

const SKLEARN_DIGITS = '/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz';
const PYTHON = '/usr/bin/python3';

interface Case {
  id: string;
  title: string;
  kind: 'tsne' | 'pca';
  /** scikit-learn's run is too long to be worth waiting for by default. */
  sklearnByDefault: boolean;
  /** Runs only when asked for (`--tensor`, `--case`), so the default run takes as long as before. */
  optIn?: boolean;
  /** t-SNE's neighbours and gradient as tensor ops on TensorFlow.js' best installed backend. */
  tensor?: boolean;
}

const CASES: readonly Case[] = [
  { id: 'digits', title: 't-SNE, sklearn digits 1,797 x 64', kind: 'tsne', sklearnByDefault: true },
  { id: 'digits-tensor', title: 't-SNE, sklearn digits 1,797 x 64, tensor path', kind: 'tsne', sklearnByDefault: false, optIn: true, tensor: true },
  { id: 'fashion-10k', title: 't-SNE, Fashion-MNIST 10,000 x 784', kind: 'tsne', sklearnByDefault: true },
  { id: 'fashion-70k', title: 't-SNE, Fashion-MNIST 70,000 x 784', kind: 'tsne', sklearnByDefault: false },
  { id: 'pca-70k', title: 'PCA to 50, Fashion-MNIST 70,000 x 784', kind: 'pca', sklearnByDefault: true },
];

interface Measured {
  seconds: number;
  kl?: number;
  accuracy?: number;
  peakMb: number;
  method?: string;
}

async function loadAny(id: string): Promise<{ x: Matrix; labels: Labels }> {
  if (id.startsWith('digits')) {
    const rows = gunzipSync(readFileSync(SKLEARN_DIGITS)).toString('utf8').trim().split('\n');
    const x: Matrix = { rows: rows.length, cols: 64, data: new Float64Array(rows.length * 64) };
    const codes = new Int32Array(rows.length);
    rows.forEach((line, i) => {
      const values = line.split(',').map(Number);
      x.data.set(values.slice(0, 64), i * 64);
      codes[i] = values[64];
    });
    return { x, labels: { codes, names: Array.from({ length: 10 }, (_, d) => String(d)) } };
  }
  const { matrix, labels } = await fashionMnistDataset().load();
  if (!labels) throw new Error('fashion-mnist has no labels');
  const rows = id === 'fashion-10k' ? 10_000 : matrix.rows;
  return { x: { rows, cols: matrix.cols, data: matrix.data.subarray(0, rows * matrix.cols) }, labels: { codes: labels.codes.subarray(0, rows), names: labels.names } };
}

/** Runs one case in this process and prints its figures as JSON (the child side). */
async function runCase(id: string): Promise<void> {
  const spec = CASES.find((c) => c.id === id);
  if (!spec) throw new Error(`no case ${id}`);
  const { x, labels } = await loadAny(id);
  // TensorFlow.js starts outside the timing: its start-up is not t-SNE's cost.
  const accelerator = spec.tensor ? new TensorTsneAccelerator({ backend: (await initBackend(process.env.GPULAB_BACKEND)).name }) : undefined;
  const start = performance.now();
  let out: Omit<Measured, 'peakMb' | 'seconds'>;
  if (spec.kind === 'pca') {
    const fit = principalComponents(x, 50);
    out = { method: fit.solver };
  } else {
    const fit = await tsne(x, { perplexity: 30, iterations: 1000, accelerator });
    const method = fit.path === 'tensor' ? `${fit.method} P, exact repulsion, tensor (${fit.accelerator})` : fit.method;
    out = { kl: fit.kl, accuracy: knnAccuracy(fit.embedding, labels, 10), method };
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(JSON.stringify({ ...out, seconds, peakMb: process.resourceUsage().maxRSS / 1024 }));
}

const SKLEARN_SCRIPT = String.raw`
import gzip, json, resource, sys, time
import numpy as np
case = sys.argv[1]
if case == 'digits':
    from sklearn.datasets import load_digits
    d = load_digits(); X, y = d.data, d.target
else:
    def idx(p, offset, shape):
        with gzip.open(p) as f: b = f.read()
        return np.frombuffer(b, dtype=np.uint8, offset=offset).reshape(shape)
    base = '/usr/share/datasets/fashion-mnist/'
    X = np.vstack([idx(base + 'train-images-idx3-ubyte.gz', 16, (-1, 784)), idx(base + 't10k-images-idx3-ubyte.gz', 16, (-1, 784))]).astype(np.float64) / 255
    y = np.concatenate([idx(base + 'train-labels-idx1-ubyte.gz', 8, (-1,)), idx(base + 't10k-labels-idx1-ubyte.gz', 8, (-1,))])
    if case == 'fashion-10k': X, y = X[:10000], y[:10000]
out = {}
start = time.time()
if case == 'pca-70k':
    from sklearn.decomposition import PCA
    PCA(50, svd_solver='randomized', random_state=0).fit_transform(X)
    out['method'] = 'randomized'
else:
    from sklearn.manifold import TSNE
    from sklearn.neighbors import NearestNeighbors
    t = TSNE(2, perplexity=30, init='pca', learning_rate='auto', n_iter=1000, method='barnes_hut', random_state=0)
    Y = t.fit_transform(X)
    out['seconds'] = time.time() - start
    out['kl'] = float(t.kl_divergence_)
    _, nb = NearestNeighbors(n_neighbors=11).fit(Y).kneighbors(Y)
    votes = y[nb[:, 1:]]
    pred = np.array([np.bincount(v, minlength=10).argmax() for v in votes])
    out['accuracy'] = float((pred == y).mean())
    out['method'] = 'barnes-hut'
out.setdefault('seconds', time.time() - start)
out['peakMb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
`;

function sklearnAvailable(): string | undefined {
  try {
    return execFileSync(PYTHON, ['-c', 'import sklearn; print(sklearn.__version__)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

function child(command: string, args: string[]): Measured | undefined {
  const run = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) {
    console.error(`${command} ${args.join(' ')} failed:\n${run.stderr}`);
    return undefined;
  }
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as Measured;
}

function fmt(value: number | undefined, digits: number): string {
  return value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);
}

async function main(): Promise<void> {
  const caseArg = process.argv.indexOf('--case');
  if (caseArg >= 0) return runCase(process.argv[caseArg + 1]);
  const quick = process.argv.includes('--quick');
  const tensor = process.argv.includes('--tensor');
  const sklearnAll = process.argv.includes('--sklearn-all');
  const missing = fashionMnistDataset().unavailable?.();
  if (missing) console.error(missing);
  const sklearn = sklearnAvailable();
  const dir = mkdtempSync(join(tmpdir(), 'gpulab-bench-'));
  const script = join(dir, 'sklearn_case.py');
  writeFileSync(script, SKLEARN_SCRIPT);
  const rows: string[][] = [];
  for (const spec of CASES) {
    if (quick && spec.id === 'fashion-70k') continue;
    if (spec.optIn && !(tensor && spec.tensor)) continue;
    if (spec.id.startsWith('digits') ? !existsSync(SKLEARN_DIGITS) : missing) continue;
    process.stderr.write(`${spec.title} ...\n`);
    const ours = child(process.execPath, [__filename, '--case', spec.id]);
    const theirs = sklearn && (spec.sklearnByDefault || sklearnAll) ? child(PYTHON, [script, spec.id]) : undefined;
    rows.push([
      spec.title,
      ours?.method ?? '—',
      fmt(ours?.seconds, 1),
      fmt(theirs?.seconds, 1),
      ours && theirs ? `${(theirs.seconds / ours.seconds).toFixed(2)}x` : '—',
      fmt(ours?.kl, 3),
      fmt(theirs?.kl, 3),
      fmt(ours?.accuracy, 3),
      fmt(theirs?.accuracy, 3),
      fmt(ours?.peakMb, 0),
      fmt(theirs?.peakMb, 0),
    ]);
  }
  const header = ['case', 'gpulab method', 'gpulab s', 'sklearn s', 'speed-up', 'KL gpulab', 'KL sklearn', '10-NN acc gpulab', '10-NN acc sklearn', 'peak MB gpulab', 'peak MB sklearn'];
  console.log(`\nPCA and t-SNE, gpulab vs scikit-learn ${sklearn ?? '(not installed: apt-get install python3-sklearn)'}; perplexity 30, 1,000 iterations, PCA init`);
  printMarkdownTable(header, rows);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

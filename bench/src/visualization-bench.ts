#!/usr/bin/env node
/**
 * PCA and t-SNE against scikit-learn and Rtsne (bhtsne) on the same machine, in one run: one
 * table with times, KL divergence, the 10-NN label accuracy of each embedding, CPU use (user +
 * system time over wall time) and peak memory; one JSON line per run appended to
 * bench/results/visualization.jsonl.
 *   npm run bench:visualization              all cases, peers beside them where installed
 *   npm run bench:visualization -- --quick   without the 70,000-point t-SNE
 *   npm run bench:visualization -- --jobs    each case also as a job through the local stack
 *                                            (uploaded CSV; the 70,000-row cases read the
 *                                            built-in fashion-mnist)
 *   npm run bench:visualization -- --only digits,fashion-2k   those cases alone
 *   npm run bench:visualization -- --tensor  also digits on the tensor path (TensorFlow.js, its
 *                                            best installed backend: a GPU with tfjs-node-gpu)
 *   npm run bench:visualization -- --case digits-tensor   that row alone, as JSON
 * Each library case runs in a child process, so its peak memory is its own. scikit-learn comes
 * from Debian's python3-sklearn, Rtsne from r-cran-rtsne; a peer that is not installed is
 * left out with a note.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fashionMnistDataset, knnAccuracy, type Labels, type Matrix, principalComponents, tsne } from '@gpulab/compute';
import { initBackend, TensorTsneAccelerator } from '@gpulab/neural';
import { printMarkdownTable } from './stats';
import { VisualizationJobs } from './visualization-jobs';
import { child, fashionRows, type Measured, Peers, SKLEARN_DIGITS } from './visualization-peers';

const RESULTS = join(__dirname, '..', 'results', 'visualization.jsonl');

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
  { id: 'fashion-2k', title: 't-SNE, Fashion-MNIST 2,000 x 784', kind: 'tsne', sklearnByDefault: true },
  { id: 'fashion-10k', title: 't-SNE, Fashion-MNIST 10,000 x 784', kind: 'tsne', sklearnByDefault: true },
  { id: 'fashion-70k', title: 't-SNE, Fashion-MNIST 70,000 x 784', kind: 'tsne', sklearnByDefault: false },
  { id: 'pca-70k', title: 'PCA to 50, Fashion-MNIST 70,000 x 784', kind: 'pca', sklearnByDefault: true },
];

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
  const rows = Math.min(fashionRows(id), matrix.rows);
  return { x: { rows, cols: matrix.cols, data: matrix.data.subarray(0, rows * matrix.cols) }, labels: { codes: labels.codes.subarray(0, rows), names: labels.names } };
}

/** Runs one case in this process and prints its figures as JSON (the child side). */
async function runCase(id: string): Promise<void> {
  const spec = CASES.find((c) => c.id === id);
  if (!spec) throw new Error(`no case ${id}`);
  const loadStart = performance.now();
  const { x, labels } = await loadAny(id);
  const loadSeconds = (performance.now() - loadStart) / 1000;
  // TensorFlow.js starts outside the timing: its start-up is not t-SNE's cost.
  const accelerator = spec.tensor ? new TensorTsneAccelerator({ backend: (await initBackend(process.env.GPULAB_BACKEND)).name }) : undefined;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  let out: Omit<Measured, 'peakMb' | 'seconds'>;
  if (spec.kind === 'pca') {
    const fit = principalComponents(x, 50);
    out = { method: fit.solver };
  } else {
    const fit = await tsne(x, { perplexity: 30, iterations: 1000, accelerator });
    const method = fit.path === 'tensor' ? `${fit.method} P, exact repulsion, tensor (${fit.accelerator})` : fit.method;
    out = { kl: fit.kl, accuracy: knnAccuracy(fit.embedding, labels, 10), method, timingsMs: roundAll(fit.timingsMs) };
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  console.log(JSON.stringify({ ...out, seconds, loadSeconds, cpuUse: (cpu.user + cpu.system) / 1e6 / seconds, peakMb: process.resourceUsage().maxRSS / 1024 }));
}

function roundAll(t: object): Record<string, number> {
  return Object.fromEntries(Object.entries(t).map(([k, v]: [string, number]) => [k, Math.round(v)]));
}

function fmt(value: number | undefined, digits: number): string {
  return value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);
}

function commit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const caseArg = process.argv.indexOf('--case');
  if (caseArg >= 0) return runCase(process.argv[caseArg + 1]);
  const quick = process.argv.includes('--quick');
  const tensor = process.argv.includes('--tensor');
  const sklearnAll = process.argv.includes('--sklearn-all');
  const withJobs = process.argv.includes('--jobs');
  const onlyArg = process.argv.indexOf('--only');
  const only = onlyArg >= 0 ? new Set(process.argv[onlyArg + 1].split(',')) : undefined;
  const missing = fashionMnistDataset().unavailable?.();
  if (missing) console.error(missing);
  const dir = mkdtempSync(join(tmpdir(), 'gpulab-bench-'));
  const peers = new Peers(dir);
  if (!peers.sklearn) console.error('scikit-learn is not installed (apt-get install python3-sklearn): its columns stay empty');
  if (!peers.rtsne) console.error('Rtsne is not installed (apt-get install r-cran-rtsne): its columns stay empty');
  const jobs = withJobs ? await VisualizationJobs.start(dir) : undefined;
  const run = { at: new Date().toISOString(), commit: commit(), cpus: availableParallelism(), sklearn: peers.sklearn, rtsne: peers.rtsne };
  mkdirSync(join(__dirname, '..', 'results'), { recursive: true });
  const record = (id: string, runner: string, m: object | undefined) => {
    if (m) appendFileSync(RESULTS, `${JSON.stringify({ ...run, case: id, runner, ...m })}\n`);
  };
  const rows: string[][] = [];
  try {
    for (const spec of CASES) {
      if (only ? !only.has(spec.id) : quick && spec.id === 'fashion-70k') continue;
      if (spec.optIn && !(tensor && spec.tensor) && !only?.has(spec.id)) continue;
      if (spec.id.startsWith('digits') ? !existsSync(SKLEARN_DIGITS) : missing) continue;
      process.stderr.write(`${spec.title} ...\n`);
      const ours = child(process.execPath, [__filename, '--case', spec.id]);
      record(spec.id, 'library', ours);
      let job: Awaited<ReturnType<VisualizationJobs['run']>> | undefined;
      if (jobs && !spec.tensor) {
        const upload = fashionRows(spec.id) < 70_000 || spec.id.startsWith('digits');
        job = await jobs.run({ id: spec.id, kind: spec.kind, rows: fashionRows(spec.id), data: upload ? await loadAny(spec.id) : undefined });
        record(spec.id, 'job', job);
      }
      const sklearn = spec.sklearnByDefault || sklearnAll ? peers.runSklearn(spec.id) : undefined;
      record(spec.id, 'sklearn', sklearn);
      let rtsne: Measured | undefined;
      if (spec.kind === 'tsne' && !spec.tensor && (spec.id !== 'fashion-70k' || sklearnAll)) {
        const fit = peers.runRtsne(spec.id);
        if (fit) rtsne = { ...fit.measured, accuracy: knnAccuracy(fit.embedding, (await loadAny(spec.id)).labels, 10) };
        record(spec.id, 'rtsne', rtsne);
      }
      const peerSeconds = [sklearn?.seconds, rtsne?.seconds].filter((s): s is number => s !== undefined);
      const fastestPeer = peerSeconds.length > 0 ? Math.min(...peerSeconds) : undefined;
      const usersTime = job?.seconds ?? ours?.seconds;
      rows.push([
        spec.title,
        ours?.method ?? '—',
        fmt(ours?.seconds, 1),
        fmt(job?.seconds, 1),
        fmt(sklearn?.seconds, 1),
        fmt(rtsne?.seconds, 1),
        usersTime !== undefined && fastestPeer !== undefined ? `${(fastestPeer / usersTime).toFixed(2)}x` : '—',
        fmt(ours?.kl, 3),
        fmt(sklearn?.kl, 3),
        fmt(rtsne?.kl, 3),
        fmt(ours?.accuracy, 3),
        fmt(sklearn?.accuracy, 3),
        fmt(rtsne?.accuracy, 3),
        `${fmt(ours?.cpuUse, 2)} / ${fmt(job?.cpuUse, 2)} / ${fmt(sklearn?.cpuUse, 2)} / ${fmt(rtsne?.cpuUse, 2)}`,
        `${fmt(ours?.peakMb, 0)} / ${fmt(sklearn?.peakMb, 0)} / ${fmt(rtsne?.peakMb, 0)}`,
      ]);
    }
  } finally {
    await jobs?.close();
  }
  const header = ['case', 'gpulab method', 'gpulab s', 'gpulab job s', 'sklearn s', 'Rtsne s', 'vs faster peer', 'KL gpulab', 'KL sklearn', 'KL Rtsne', '10-NN gpulab', '10-NN sklearn', '10-NN Rtsne', 'CPU use gpulab / job / sklearn / Rtsne', 'peak MB gpulab / sklearn / Rtsne'];
  console.log(`\nPCA and t-SNE, gpulab vs scikit-learn ${peers.sklearn ?? '(not installed)'} and Rtsne ${peers.rtsne ?? '(not installed)'}; perplexity 30, 1,000 iterations, PCA init; ${run.cpus} cores`);
  printMarkdownTable(header, rows);
  console.log(`\nOne line per run appended to ${RESULTS}.`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

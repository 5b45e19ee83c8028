#!/usr/bin/env node
/**
 * t-SNE's exact neighbour search on Fashion-MNIST reduced to 50 dimensions by PCA, k = 90 (what
 * perplexity 30 asks for): the float64 JavaScript search against the float32 SIMD one on 1 and
 * on all cores, with wall and CPU times, GFLOP/s and whether the results agree.
 *   npm run bench:neighbours                      70,000 rows, the SIMD search only
 *   npm run bench:neighbours -- --rows 10000 --old   also the float64 search (one thread), compared
 * The float64 search does n²·d multiply-adds (each pair once), the SIMD one 2·n²·d (each query row
 * against every row); GFLOP/s count 2 flops per multiply-add. Other processes on the machine
 * slow every figure: the load average is printed beside them.
 */
import { availableParallelism, loadavg } from 'node:os';
import { exactNeighbours, fashionMnistDataset, type Matrix, type Neighbours, principalComponents, type SearchStats, simdNeighbours, threadedNeighbours } from '@gpulab/compute';
import { printMarkdownTable } from './stats';

const K = 90;
const DIMS = 50;

interface Run {
  label: string;
  /** Resident memory after the search less before it (the result and this thread's kernel memory). */
  addedMb: number;
  wallS: number;
  cpuS: number;
  gflops: number;
  agrees: string;
  searchedAgain: string;
}

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
}

async function timed(run: () => Promise<Neighbours> | Neighbours): Promise<{ result: Neighbours; wallS: number; cpuS: number; addedMb: number }> {
  const rss = process.memoryUsage.rss();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await run();
  const used = process.cpuUsage(cpu);
  return { result, wallS: (performance.now() - start) / 1000, cpuS: (used.user + used.system) / 1e6, addedMb: (process.memoryUsage.rss() - rss) / 1e6 };
}

/** Rows whose neighbour lists differ (indices or distances) from the reference. */
function rowsDiffering(a: Neighbours, b: Neighbours): number {
  let rows = 0;
  for (let i = 0; i < a.n; i++) {
    for (let t = i * a.k; t < (i + 1) * a.k; t++) {
      if (a.indices[t] !== b.indices[t] || a.distances[t] !== b.distances[t]) {
        rows++;
        break;
      }
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const rows = Number(flag('--rows') ?? 70_000);
  const withOld = process.argv.includes('--old');
  const load = (await fashionMnistDataset().load()).matrix;
  const x: Matrix = { rows, cols: load.cols, data: load.data.subarray(0, rows * load.cols) };
  const pcaStart = performance.now();
  const reduced = principalComponents(x, DIMS).embedding;
  console.log(`fashion-mnist ${rows} × ${load.cols} → PCA ${DIMS} in ${((performance.now() - pcaStart) / 1000).toFixed(1)} s; k = ${K}; ${availableParallelism()} cores; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  const runs: Run[] = [];
  const flop = (pairsTimesD: number, wallS: number) => (2 * pairsTimesD) / wallS / 1e9;
  const full = rows * rows * DIMS;
  let reference: Neighbours | undefined;
  if (withOld) {
    const { result, wallS, cpuS, addedMb } = await timed(() => exactNeighbours(reduced, K));
    reference = result;
    runs.push({ label: 'float64 JS, 1 thread', wallS, cpuS, addedMb, gflops: flop(full / 2, wallS), agrees: 'reference', searchedAgain: '' });
  }
  for (const threads of [1, availableParallelism()]) {
    const stats: SearchStats = { searchedAgain: 0 };
    const { result, wallS, cpuS, addedMb } = await timed(() => (threads === 1 ? simdNeighbours(reduced, K, stats) : threadedNeighbours(reduced, K, threads, stats)));
    const agrees = reference ? `${rowsDiffering(result, reference)} rows differ` : '';
    reference ??= result;
    runs.push({ label: `float32 SIMD, ${threads} thread${threads === 1 ? '' : 's'}`, wallS, cpuS, addedMb, gflops: flop(full, wallS), agrees, searchedAgain: String(stats.searchedAgain) });
  }
  printMarkdownTable(
    ['search', 'wall s', 'CPU s', 'GFLOP/s (wall)', 'GFLOP/s (CPU)', 'RSS added MB', 'vs first', 'rows searched again in float64'],
    runs.map((r) => [r.label, r.wallS.toFixed(2), r.cpuS.toFixed(2), r.gflops.toFixed(1), ((r.gflops * r.wallS) / r.cpuS).toFixed(1), r.addedMb.toFixed(0), r.agrees, r.searchedAgain]),
  );
  console.log(`load after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

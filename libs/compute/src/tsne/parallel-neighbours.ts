import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type Matrix } from '../matrix';
import { exactNeighbours, type Neighbours } from './neighbours';
import { searchClaimedBlocks, type SearchStats, simdNeighbours } from './simd-neighbours';

/** Below this many points the float64 search is as quick as setting up the float32 one. */
const SIMD_MIN_POINTS = 256;
/** Below this many points a thread costs more to start than it saves. */
const PARALLEL_MIN_POINTS = 4000;

/** What a neighbour thread is given (structured-cloned; the arrays travel as SharedArrayBuffers). */
export interface NeighbourTask {
  rows: number;
  cols: number;
  data: SharedArrayBuffer;
  k: number;
  /** One Int32: the next query block to claim, shared by all threads. */
  next: SharedArrayBuffer;
  indices: SharedArrayBuffer;
  distances: SharedArrayBuffer;
}

/**
 * The k nearest neighbours of every row on every core, as {@link simdNeighbours} finds them:
 * the threads claim blocks of query rows one at a time from a shared counter (so a thread slowed
 * by other work simply takes fewer) and write those rows' neighbours straight into shared arrays.
 * This thread takes its share too. Small inputs take the plain float64 search.
 */
export async function parallelNeighbours(x: Matrix, k: number, threads = availableParallelism()): Promise<Neighbours> {
  const parts = Math.max(1, Math.min(threads, 8));
  if (x.rows < SIMD_MIN_POINTS || !float32Safe(x)) return exactNeighbours(x, k);
  if (parts === 1 || x.rows < PARALLEL_MIN_POINTS) return simdNeighbours(x, k);
  return threadedNeighbours(x, k, parts);
}

/** {@link parallelNeighbours} on `parts` threads whatever the size (tests use it on small inputs). */
export async function threadedNeighbours(x: Matrix, k: number, parts: number, stats?: SearchStats): Promise<Neighbours> {
  const { rows: n, cols: d } = x;
  if (k >= n) throw new RangeError(`k = ${k} needs more than ${n} points`);
  const matrix = inSharedMemory(x);
  const task: NeighbourTask = {
    rows: n,
    cols: d,
    data: matrix.data.buffer as SharedArrayBuffer,
    k,
    next: new SharedArrayBuffer(4),
    indices: new SharedArrayBuffer(n * k * 4),
    distances: new SharedArrayBuffer(n * k * 8),
  };
  const others = Array.from({ length: parts - 1 }, () => runPart(task));
  const mine = searchShare(matrix, task);
  const again = mine + (await Promise.all(others)).reduce((a, b) => a + b, 0);
  if (stats) stats.searchedAgain = again;
  // The shared arrays themselves: a copy would cost another n × k × 12 bytes at the peak.
  return { n, k, indices: new Int32Array(task.indices), distances: new Float64Array(task.distances) };
}

/** This thread's share of a threaded search: blocks claimed until none are left. */
export function searchShare(x: Matrix, task: NeighbourTask): number {
  const next = new Int32Array(task.next);
  const out = { indices: new Int32Array(task.indices), distances: new Float64Array(task.distances) };
  return searchClaimedBlocks(x, task.k, () => Atomics.add(next, 0, 1), out);
}

/**
 * Whether float32 holds the centred rows' distances without overflow: squared lengths up to
 * 1e36 (float32 ends near 3.4e38). Beyond that the float64 search takes over.
 */
function float32Safe(x: Matrix): boolean {
  const { rows: n, cols: d, data } = x;
  let lo = Infinity, hi = -Infinity;
  for (let t = 0; t < n * d; t++) {
    lo = Math.min(lo, data[t]);
    hi = Math.max(hi, data[t]);
  }
  return d * (hi - lo) ** 2 < 1e36;
}

/** The matrix itself when its rows already start a SharedArrayBuffer, else a shared copy. */
function inSharedMemory(x: Matrix): Matrix {
  if (x.data.buffer instanceof SharedArrayBuffer && x.data.byteOffset === 0) return x;
  const data = new Float64Array(new SharedArrayBuffer(x.rows * x.cols * 8));
  data.set(x.data.subarray(0, x.rows * x.cols));
  return { rows: x.rows, cols: x.cols, data };
}

/** Runs a share in a worker thread; resolves to how many rows it searched again in float64. */
function runPart(task: NeighbourTask): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'neighbours-thread.js'), { workerData: task });
    worker.once('message', (searchedAgain: number) => {
      resolve(searchedAgain);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`neighbour thread exited with ${code}`));
    });
  });
}

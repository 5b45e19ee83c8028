import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type Matrix } from '../matrix';
import { CandidateHeaps, exactNeighbours, type Neighbours, scanBlockPairs } from './neighbours';

/** Below this many points a thread costs more to start than it saves. */
const PARALLEL_MIN_POINTS = 4000;

/** What a neighbour thread is given (structured-cloned; the data travels as a SharedArrayBuffer). */
export interface NeighbourTask {
  rows: number;
  cols: number;
  data: SharedArrayBuffer;
  k: number;
  part: number;
  parts: number;
}

/**
 * {@link exactNeighbours} on every core: the pairs of row blocks are split among threads, each
 * keeps candidate heaps for all points, and the heaps are merged at the end. This thread takes
 * a share too.
 */
export async function parallelNeighbours(x: Matrix, k: number, threads = availableParallelism()): Promise<Neighbours> {
  const parts = Math.max(1, Math.min(threads, 8));
  if (parts === 1 || x.rows < PARALLEL_MIN_POINTS) return exactNeighbours(x, k);
  const matrix = inSharedMemory(x);
  const shared = matrix.data.buffer as SharedArrayBuffer;
  const others = Array.from({ length: parts - 1 }, (_, t) => runPart({ rows: x.rows, cols: x.cols, data: shared, k, part: t + 1, parts }));
  const heaps = new CandidateHeaps(x.rows, k);
  scanBlockPairs(matrix, k, heaps, 0, parts);
  for (const other of await Promise.all(others)) heaps.merge(other);
  return heaps.sorted();
}

/** The matrix itself when its rows already start a SharedArrayBuffer, else a shared copy. */
function inSharedMemory(x: Matrix): Matrix {
  if (x.data.buffer instanceof SharedArrayBuffer && x.data.byteOffset === 0) return x;
  const data = new Float64Array(new SharedArrayBuffer(x.rows * x.cols * 8));
  data.set(x.data.subarray(0, x.rows * x.cols));
  return { rows: x.rows, cols: x.cols, data };
}

function runPart(task: NeighbourTask): Promise<CandidateHeaps> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'neighbours-thread.js'), { workerData: task });
    worker.once('message', (m: { idx: Int32Array<ArrayBuffer>; dist: Float64Array<ArrayBuffer>; size: Int32Array<ArrayBuffer> }) => {
      resolve(new CandidateHeaps(task.rows, task.k, m.idx, m.dist, m.size));
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`neighbour thread exited with ${code}`));
    });
  });
}

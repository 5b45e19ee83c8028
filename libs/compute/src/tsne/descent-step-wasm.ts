import { type DescentStepTask, klTerms } from './descent-step';
import { blockRows } from './sum-blocks';
import { reserveRegions, wasmKernels } from '../wasm/wasm-kernels';

/** The `descent` module (assembly/descent.ts). */
interface DescentKernels {
  descentRows(rowStart: number, columns: number, values: number, y: number, rep: number, update: number, gains: number, next: number, from: number, to: number, inverseZ: number, exaggeration: number, momentum: number, learningRate: number): void;
}

/** Addresses of the arrays in this thread's module memory, laid out for one P and n. */
interface Layout {
  /** The P this memory holds, weakly: a finished run's P may go. */
  p: WeakRef<SharedArrayBuffer>;
  pId?: number;
  n: number;
  rowStart: number;
  columns: number;
  values: number;
  y: number;
  rep: number;
  update: number;
  gains: number;
  next: number;
}

let resident: Layout | undefined;

/**
 * P copied into this thread's module memory once per run (an optimization's P never changes;
 * it is known by the task's `pId`, or else by the identity of its values buffer), followed by room for y and the per-point
 * arrays. Every address is 16-byte aligned so a point is one v128.
 */
function layoutFor(task: DescentStepTask): Layout {
  const wasm = wasmKernels<DescentKernels>('descent');
  if (resident && resident.n === task.n && (task.pId !== undefined ? resident.pId === task.pId : resident.p.deref() === task.values)) return resident;
  const n = task.n;
  const nnz = task.columns.byteLength / 4;
  const [rowStart, columns, values, y, rep, update, gains, next] = reserveRegions(wasm, [4 * (n + 1), 4 * nnz, 8 * nnz, 16 * n, 16 * n, 16 * n, 16 * n, 16 * n]);
  const address = { rowStart, columns, values, y, rep, update, gains, next };
  const buffer = wasm.memory.buffer;
  new Int32Array(buffer, address.rowStart, n + 1).set(new Int32Array(task.rowStart, 0, n + 1));
  new Int32Array(buffer, address.columns, nnz).set(new Int32Array(task.columns, 0, nnz));
  new Float64Array(buffer, address.values, nnz).set(new Float64Array(task.values, 0, nnz));
  resident = { p: new WeakRef(task.values), pId: task.pId, n, ...address };
  return resident;
}

/**
 * descentStep (descent-step.ts) with the rows' loop in WebAssembly (assembly/descent.ts), to the
 * same bits. Per call the thread copies all of y and its rows' repulsion, update and gains into
 * its module's memory and its rows' next, update and gains back: the blocks a thread gets change
 * from call to call, so nothing but P stays resident. KL's terms, wanted every 50th iteration,
 * stay in JS.
 */
export function descentStepWasm(task: DescentStepTask, fromBlock: number, toBlock: number): void {
  if (fromBlock >= toBlock) return;
  const { n } = task;
  const y = new Float64Array(task.y);
  if (task.klZ > 0) {
    const kl = new Float64Array(task.kl);
    const rowStart = new Int32Array(task.rowStart);
    const columns = new Int32Array(task.columns);
    const values = new Float64Array(task.values);
    for (let block = fromBlock; block < toBlock; block++) {
      const [from, to] = blockRows(block, n);
      kl[block] = klTerms(y, rowStart, columns, values, task.klZ, from, to);
    }
  }
  const layout = layoutFor(task);
  const wasm = wasmKernels<DescentKernels>('descent');
  const from = blockRows(fromBlock, n)[0];
  const to = blockRows(toBlock - 1, n)[1];
  const buffer = wasm.memory.buffer;
  const rows = (address: number) => new Float64Array(buffer, address + 16 * from, 2 * (to - from));
  const sharedRows = (shared: SharedArrayBuffer) => new Float64Array(shared, 16 * from, 2 * (to - from));
  new Float64Array(buffer, layout.y, 2 * n).set(y.subarray(0, 2 * n));
  rows(layout.rep).set(sharedRows(task.repulsion));
  rows(layout.update).set(sharedRows(task.update));
  rows(layout.gains).set(sharedRows(task.gains));
  wasm.exports.descentRows(layout.rowStart, layout.columns, layout.values, layout.y, layout.rep, layout.update, layout.gains, layout.next, from, to, task.inverseZ, task.exaggeration, task.momentum, task.learningRate);
  sharedRows(task.next).set(rows(layout.next));
  sharedRows(task.update).set(rows(layout.update));
  sharedRows(task.gains).set(rows(layout.gains));
}

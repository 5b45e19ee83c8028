import { parentPort, workerData } from 'node:worker_threads';
import { runRowKernel, type RowTask } from './row-kernels';

// One thread of a RowPool: runs the kernel it is sent, then counts itself finished.
const control = new Int32Array((workerData as { control: SharedArrayBuffer }).control);
parentPort?.on('message', (m: { task: RowTask; from: number; to: number; slot: number }) => {
  try {
    runRowKernel(m.task, m.from, m.to, m.slot);
  } catch (error) {
    Atomics.store(control, 1, 1);
    parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
  Atomics.add(control, 0, 1);
  Atomics.notify(control, 0);
});

import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { runRowKernel } from './row-kernels';
import { PoolControl, type RowPoolPart, type RowPoolThreadData } from './row-pool';

// One thread of a RowPool: waits for the next generation, takes its part from its port, runs
// it and counts itself finished. It blocks in Atomics.wait and never returns to its event loop.
const { control: buffer, port } = workerData as RowPoolThreadData;
const control = new Int32Array(buffer);
let seen = 0;
for (;;) {
  Atomics.wait(control, PoolControl.generation, seen);
  const generation = Atomics.load(control, PoolControl.generation);
  if (generation < 0) break;
  if (generation === seen) continue;
  seen = generation;
  const part = (receiveMessageOnPort(port) as { message: RowPoolPart } | undefined)?.message;
  try {
    if (!part) throw new Error('no part was sent for this run');
    runRowKernel(part.task, part.from, part.to, part.slot);
  } catch (error) {
    port.postMessage({ error: error instanceof Error ? error.message : String(error) });
    Atomics.store(control, PoolControl.failed, 1);
  }
  Atomics.add(control, PoolControl.finished, 1);
  Atomics.notify(control, PoolControl.finished);
}
port.close();

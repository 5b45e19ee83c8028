import { receiveMessageOnPort, type MessagePort, workerData } from 'node:worker_threads';
import { GridConvolution, loadFft, squaredCauchy } from './grid-convolution';
import { Control, type GridThreadData } from './parallel-grid';

// The second grid of a ParallelGridConvolution: waits for a sequence number, convolves the
// staged grid, hands it back. Blocking waits keep it off the event loop entirely.
async function main(): Promise<void> {
  const { control, spacing, port } = workerData as GridThreadData & { port: MessagePort };
  const ctrl = new Int32Array(control);
  const params = new Float64Array(spacing);
  const fft = await loadFft();
  let grid: GridConvolution | undefined;
  let stage: Float32Array<ArrayBufferLike> = new Float32Array(0);
  let seen = 0;
  Atomics.store(ctrl, Control.ready, 1);
  Atomics.notify(ctrl, Control.ready);
  for (;;) {
    Atomics.wait(ctrl, Control.sequence, seen);
    const sequence = Atomics.load(ctrl, Control.sequence);
    if (sequence < 0) return;
    seen = sequence;
    try {
      const size = Atomics.load(ctrl, Control.size);
      const nodes = Atomics.load(ctrl, Control.nodes);
      if (grid?.size !== size) {
        grid?.dispose();
        grid = new GridConvolution(fft, size);
        const message = receiveMessageOnPort(port) as { message: SharedArrayBuffer } | undefined;
        if (message) stage = new Float32Array(message.message);
      }
      const h = params[0];
      grid.setKernel(`${nodes}:${h}`, nodes, (r2) => squaredCauchy(r2, h));
      const a = grid.a;
      a.fill(0);
      for (let r = 0; r < nodes; r++) a.set(stage.subarray(2 * r * size, 2 * (r * size + nodes)), 2 * r * size);
      grid.convolveOne('a', nodes);
      for (let r = 0; r < nodes; r++) stage.set(a.subarray(2 * r * size, 2 * (r * size + nodes)), 2 * r * size);
    } catch (error) {
      // Reported through the control block and the port, and the wait released, so the
      // caller fails at once with the reason rather than after its timeout.
      port.postMessage({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      Atomics.store(ctrl, Control.failed, 1);
    }
    Atomics.store(ctrl, Control.done, sequence);
    Atomics.notify(ctrl, Control.done);
  }
}

void main();

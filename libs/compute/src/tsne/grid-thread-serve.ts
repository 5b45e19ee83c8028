import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { PffftModule } from '@echogarden/pffft-wasm/simd';
import { GridConvolution, squaredCauchy } from './grid-convolution';
import { Control, describeError, type GridThreadData, type HelperReport, type StagedGrid, takeStaged } from './grid-thread-protocol';

/**
 * The helper side of a ParallelGridConvolution: waits for a sequence number, convolves the
 * current staging grid, hands it back. Blocking waits keep it off the event loop entirely, so
 * the caller, blocked too, hears of trouble only through the control block: every way out of
 * here, thrown or not, marks it.
 */
export function serveGrids(data: GridThreadData & { port: MessagePort }, load: () => Promise<PffftModule>): void {
  const ctrl = new Int32Array(data.control);
  const { port } = data;
  let stopped = false;
  const die = (reason: unknown): void => {
    if (stopped) return;
    stopped = true;
    try {
      port.postMessage({ error: describeError(reason) } satisfies HelperReport);
    } catch {
      // The port is gone with the caller: nobody is left to tell.
    }
    Atomics.store(ctrl, Control.dead, 1);
    Atomics.notify(ctrl, Control.done);
    Atomics.notify(ctrl, Control.ready);
  };
  // process.exit() in this thread skips the promise below: the thread's own 'exit' still runs.
  process.on('exit', (code) => die(new Error(`the FFT thread exited with code ${code}`)));
  load()
    .then((fft) => serve(ctrl, new Float64Array(data.spacing), port, fft))
    .then(
      () => (stopped = true),
      (error: unknown) => die(error),
    );
}

function serve(ctrl: Int32Array, params: Float64Array, port: MessagePort, fft: PffftModule): void {
  let grid: GridConvolution | undefined;
  let staged: StagedGrid | undefined;
  let stage: Float32Array<ArrayBufferLike> = new Float32Array(0);
  let seen = 0;
  const beat = (): void => void Atomics.add(ctrl, Control.progress, 1);
  Atomics.store(ctrl, Control.ready, 1);
  Atomics.notify(ctrl, Control.ready);
  for (;;) {
    Atomics.wait(ctrl, Control.sequence, seen);
    const sequence = Atomics.load(ctrl, Control.sequence);
    if (sequence < 0) return;
    seen = sequence;
    beat();
    try {
      const generation = Atomics.load(ctrl, Control.generation);
      if (staged?.generation !== generation) {
        staged = takeStaged(() => receiveMessageOnPort(port)?.message as StagedGrid | undefined, generation);
        stage = new Float32Array(staged.buffer);
      }
      const size = staged.size;
      if (grid?.size !== size) {
        // Forgotten before the new one is made, so a failure here cannot free it twice.
        grid?.dispose();
        grid = undefined;
        grid = new GridConvolution(fft, size);
        grid.onProgress = beat;
      }
      const nodes = Atomics.load(ctrl, Control.nodes);
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
      port.postMessage({ error: describeError(error) } satisfies HelperReport);
      Atomics.store(ctrl, Control.failed, 1);
    }
    Atomics.store(ctrl, Control.done, sequence);
    Atomics.notify(ctrl, Control.done);
  }
}

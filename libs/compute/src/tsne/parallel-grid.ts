import { join } from 'node:path';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { PffftModule } from '@echogarden/pffft-wasm/simd';
import { GridConvolution } from './grid-convolution';

/** Slots of the shared control block. */
export const Control = { sequence: 0, done: 1, size: 2, nodes: 3, ready: 4, failed: 5 } as const;

export interface GridThreadData {
  control: SharedArrayBuffer;
  /** One float64: the node spacing. */
  spacing: SharedArrayBuffer;
}

/**
 * The two grids of the FFT repulsion convolved at once, one on this thread and one on a helper
 * thread with its own PFFFT instance. The second grid's charges are written into `b`, a shared
 * staging grid (same layout as GridConvolution's), which the helper copies in and back.
 * Waiting is by Atomics, so a t-SNE iteration stays synchronous.
 */
export class ParallelGridConvolution {
  private local: GridConvolution;
  /** The second grid, shared with the helper thread. */
  b: Float32Array;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(6 * 4));
  private readonly spacing = new Float64Array(new SharedArrayBuffer(8));
  private sequence = 0;
  private failed?: Error;

  private constructor(
    private readonly fft: PffftModule,
    size: number,
  ) {
    this.local = new GridConvolution(fft, size);
    this.b = new Float32Array(new SharedArrayBuffer(2 * size * size * 4));
    const channel = new MessageChannel();
    this.port = channel.port1;
    const data: GridThreadData & { port: MessagePort } = { control: this.ctrl.buffer as SharedArrayBuffer, spacing: this.spacing.buffer as SharedArrayBuffer, port: channel.port2 };
    this.worker = new Worker(join(__dirname, 'grid-convolution-thread.js'), { workerData: data, transferList: [channel.port2] });
    this.worker.unref();
    this.worker.on('error', (error) => (this.failed = error));
    this.port.postMessage(this.b.buffer);
    Atomics.store(this.ctrl, Control.size, size);
  }

  static async create(fft: PffftModule, size: number): Promise<ParallelGridConvolution> {
    const grid = new ParallelGridConvolution(fft, size);
    // Wait until the helper has its PFFFT, so the first iteration does not stall on it.
    while (Atomics.load(grid.ctrl, Control.ready) === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    return grid;
  }

  get size(): number {
    return this.local.size;
  }

  get a(): Float32Array {
    return this.local.a;
  }

  /** Changes the grid size (both threads allocate anew; the staging grid is replaced). */
  resize(size: number): void {
    if (size === this.local.size) return;
    this.local.dispose();
    this.local = new GridConvolution(this.fft, size);
    this.b = new Float32Array(new SharedArrayBuffer(2 * size * size * 4));
    this.port.postMessage(this.b.buffer);
    Atomics.store(this.ctrl, Control.size, size);
  }

  setKernel(key: string, nodes: number, atSquaredOffset: (r2: number) => number, spacing: number): void {
    this.local.setKernel(key, nodes, atSquaredOffset);
    this.spacing[0] = spacing;
  }

  /** Convolves `a` here and `b` on the helper thread; returns when both are done. */
  convolve(nodes: number): void {
    if (this.failed) throw this.failed;
    const sequence = ++this.sequence;
    Atomics.store(this.ctrl, Control.nodes, nodes);
    Atomics.store(this.ctrl, Control.sequence, sequence);
    Atomics.notify(this.ctrl, Control.sequence);
    this.local.convolveOne('a', nodes);
    while (Atomics.load(this.ctrl, Control.done) !== sequence) {
      if (Atomics.wait(this.ctrl, Control.done, Atomics.load(this.ctrl, Control.done), 30_000) === 'timed-out') {
        throw new Error('the FFT thread did not answer');
      }
    }
    if (Atomics.load(this.ctrl, Control.failed) !== 0) {
      // Its error comes back on the port: this thread's event loop is not running to hear it.
      const reply = receiveMessageOnPort(this.port) as { message: { error?: string } } | undefined;
      throw new Error(`the FFT thread failed: ${reply?.message.error ?? 'no message'}`);
    }
  }

  dispose(): void {
    Atomics.store(this.ctrl, Control.sequence, -1);
    Atomics.notify(this.ctrl, Control.sequence);
    this.local.dispose();
    this.port.close();
  }
}

import { join } from 'node:path';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { PffftModule } from '@echogarden/pffft-wasm/simd';
import { GridConvolution } from './grid-convolution';
import { CONTROL_SLOTS, Control, type GridThreadData, type HelperReport, helperState, type StagedGrid, startState } from './grid-thread-protocol';

export interface ParallelGridOptions {
  /** How long the helper may go without progress before it is taken for dead (default 10 s). */
  stallMs?: number;
  /** How long create() waits for the helper to load PFFFT (default 30 s). */
  startMs?: number;
  /** The helper's script (tests substitute failing ones). */
  script?: string;
}

const DEFAULT_STALL_MS = 10_000;
const DEFAULT_START_MS = 30_000;
/**
 * A blocked caller looks at the helper's progress this often. Waking costs nothing next to a
 * convolution, and an answer still wakes it at once.
 */
const WAIT_SLICE_MS = 50;

/**
 * The two grids of the FFT repulsion convolved at once, one on this thread and one on a helper
 * thread with its own PFFFT instance. The second grid's charges are written into `b`, a shared
 * staging grid (same layout as GridConvolution's), which the helper copies in and back.
 * Waiting is by Atomics, so a t-SNE iteration stays synchronous. This thread's event loop does
 * not run while it waits, so the helper's 'error' and 'exit' events cannot be heard then: the
 * helper marks its failures and its death in the control block, and a helper that stops making
 * progress is given up on after `stallMs`. Any failure is final for the instance.
 */
export class ParallelGridConvolution {
  private local: GridConvolution;
  /** The second grid, shared with the helper thread. */
  b: Float32Array;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4));
  private readonly spacing = new Float64Array(new SharedArrayBuffer(8));
  private sequence = 0;
  private generation = 0;
  private failed?: Error;
  private disposed = false;
  /** Heard by the event loop, so only while create() waits. */
  private exited?: string;

  private constructor(
    private readonly fft: PffftModule,
    size: number,
    private readonly stallMs: number,
    script: string,
  ) {
    this.local = new GridConvolution(fft, size);
    const channel = new MessageChannel();
    this.port = channel.port1;
    const data: GridThreadData & { port: MessagePort } = { control: this.ctrl.buffer as SharedArrayBuffer, spacing: this.spacing.buffer as SharedArrayBuffer, port: channel.port2 };
    this.worker = new Worker(script, { workerData: data, transferList: [channel.port2] });
    this.worker.unref();
    this.worker.on('error', (error) => (this.exited ??= error.stack ?? error.message));
    this.worker.on('exit', (code) => (this.exited ??= `the FFT thread exited with code ${code}`));
    this.b = this.stage(size);
  }

  static async create(fft: PffftModule, size: number, options: ParallelGridOptions = {}): Promise<ParallelGridConvolution> {
    const grid = new ParallelGridConvolution(fft, size, options.stallMs ?? DEFAULT_STALL_MS, options.script ?? join(__dirname, 'grid-convolution-thread.js'));
    await grid.started(options.startMs ?? DEFAULT_START_MS);
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
    this.usable();
    if (size === this.local.size) return;
    this.local.dispose();
    this.local = new GridConvolution(this.fft, size);
    this.b = this.stage(size);
  }

  setKernel(key: string, nodes: number, atSquaredOffset: (r2: number) => number, spacing: number): void {
    this.usable();
    this.local.setKernel(key, nodes, atSquaredOffset);
    this.spacing[0] = spacing;
  }

  /** Convolves `a` here and `b` on the helper thread; returns when both are done. */
  convolve(nodes: number): void {
    this.usable();
    const sequence = ++this.sequence;
    Atomics.store(this.ctrl, Control.nodes, nodes);
    Atomics.store(this.ctrl, Control.sequence, sequence);
    Atomics.notify(this.ctrl, Control.sequence);
    try {
      this.local.convolveOne('a', nodes);
    } finally {
      // Even when this side failed, the helper is still writing into `b`: wait it out.
      this.answer(sequence);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.ctrl, Control.sequence, -1);
    Atomics.notify(this.ctrl, Control.sequence);
    this.local.dispose();
    this.port.close();
    // A stuck helper never reads the stop signal.
    if (this.failed) void this.worker.terminate();
  }

  private usable(): void {
    if (this.disposed) throw new Error('the parallel grid convolution was used after dispose()');
    if (this.failed) throw this.failed;
  }

  /** A fresh staging grid, handed over with its generation before the generation is published. */
  private stage(size: number): Float32Array {
    const buffer = new SharedArrayBuffer(2 * size * size * 4);
    const generation = ++this.generation;
    this.port.postMessage({ generation, size, buffer } satisfies StagedGrid);
    Atomics.store(this.ctrl, Control.generation, generation);
    return new Float32Array(buffer);
  }

  /** Waits (the event loop running) until the helper has its PFFFT, so the first iteration does not stall on it. */
  private async started(startMs: number): Promise<void> {
    const since = performance.now();
    for (;;) {
      const dead = Atomics.load(this.ctrl, Control.dead) !== 0 || this.exited !== undefined;
      const state = startState({ ready: Atomics.load(this.ctrl, Control.ready) !== 0, dead, elapsedMs: performance.now() - since, startMs });
      if (state === 'ready') return;
      if (state !== 'starting') {
        this.fail(state === 'dead' ? `the FFT thread did not start: ${this.reason() ?? this.exited}` : `the FFT thread did not start within ${startMs} ms`);
        this.dispose();
        throw this.failed;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** Blocks until the helper answers `sequence`, fails, dies, or stops making progress. */
  private answer(sequence: number): void {
    let progress = Atomics.load(this.ctrl, Control.progress);
    let quietSince = performance.now();
    for (;;) {
      const done = Atomics.load(this.ctrl, Control.done);
      const now = Atomics.load(this.ctrl, Control.progress);
      if (now !== progress) {
        progress = now;
        quietSince = performance.now();
      }
      const state = helperState({
        sequence,
        done,
        failed: Atomics.load(this.ctrl, Control.failed) !== 0,
        dead: Atomics.load(this.ctrl, Control.dead) !== 0,
        quietMs: performance.now() - quietSince,
        stallMs: this.stallMs,
      });
      if (state === 'answered') return;
      if (state === 'failed') this.fail(`the FFT thread failed: ${this.reason() ?? 'no reason given'}`);
      if (state === 'dead') this.fail(`the FFT thread died: ${this.reason() ?? 'no reason given'}`);
      if (state === 'stalled') this.fail(`the FFT thread made no progress for ${this.stallMs} ms`);
      if (this.failed) throw this.failed;
      Atomics.wait(this.ctrl, Control.done, done, WAIT_SLICE_MS);
    }
  }

  private fail(message: string): void {
    this.failed ??= new Error(message);
  }

  /** The helper's last report. It comes back on the port: this thread's event loop is not running to hear it. */
  private reason(): string | undefined {
    let reason: string | undefined;
    for (let reply = receiveMessageOnPort(this.port); reply; reply = receiveMessageOnPort(this.port)) reason = (reply.message as HelperReport).error;
    return reason;
  }
}

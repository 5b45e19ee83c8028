import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { runRowKernel, type RowTask } from './row-kernels';

/**
 * Threads that run a row kernel (see row-kernels.ts) over parts of a matrix's rows while this
 * thread does its own part, and wait for each other. Everything they share is in
 * SharedArrayBuffers; the call is synchronous (Atomics.wait), so callers stay plain
 * functions. Close it when done; unclosed threads do not keep the process alive.
 */
export class RowPool {
  private readonly workers: Worker[];
  /** [finished count, failed flag]. */
  private readonly control = new Int32Array(new SharedArrayBuffer(8));
  private failure?: string;

  private constructor(readonly parts: number) {
    this.workers = Array.from({ length: parts - 1 }, () => {
      const worker = new Worker(join(__dirname, 'row-pool-thread.js'), { workerData: { control: this.control.buffer } });
      worker.unref();
      worker.on('message', (m: { error?: string }) => {
        if (m.error) this.failure = m.error;
      });
      return worker;
    });
  }

  /** A pool of `threads` (all cores by default), or undefined when one thread would do. */
  static open(threads = availableParallelism()): RowPool | undefined {
    const parts = Math.min(Math.max(threads, 1), 8);
    return parts > 1 ? new RowPool(parts) : undefined;
  }

  /** Runs `task` on rows 0..rows split in `parts` even ranges; part i gets `slot` i. */
  run(task: RowTask, rows: number): void {
    const ranges = Array.from({ length: this.parts }, (_, i) => [Math.floor((i * rows) / this.parts), Math.floor(((i + 1) * rows) / this.parts)]);
    Atomics.store(this.control, 0, 0);
    Atomics.store(this.control, 1, 0);
    this.workers.forEach((w, i) => w.postMessage({ task, from: ranges[i + 1][0], to: ranges[i + 1][1], slot: i + 1 }));
    runRowKernel(task, ranges[0][0], ranges[0][1], 0);
    for (;;) {
      const finished = Atomics.load(this.control, 0);
      if (finished === this.workers.length) break;
      Atomics.wait(this.control, 0, finished, 60_000);
    }
    if (Atomics.load(this.control, 1) !== 0) throw new Error(`a compute thread failed: ${this.failure ?? 'unknown error'}`);
  }

  close(): void {
    for (const w of this.workers) void w.terminate();
  }
}

import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { runRowKernel, type RowTask } from './row-kernels';

/** Slots of the pool's shared control block. */
export const PoolControl = { finished: 0, failed: 1, generation: 2 } as const;

/** What a pool thread is given when it starts. */
export interface RowPoolThreadData {
  control: SharedArrayBuffer;
  port: MessagePort;
}

/** One part of a run, as a thread receives it on its port. */
export interface RowPoolPart {
  task: RowTask;
  from: number;
  to: number;
  slot: number;
}

/**
 * Threads that run a row kernel (see row-kernels.ts) over parts of a matrix's rows while this
 * thread does its own part, and wait for each other. Everything they share is in
 * SharedArrayBuffers; the call is synchronous (Atomics.wait), so callers stay plain
 * functions. Close it when done; unclosed threads do not keep the process alive.
 *
 * The threads never return to their event loops: each blocks on the control block's
 * generation, takes its part from its port synchronously, runs it and counts itself finished.
 * Waking a thread by a message through its event loop measured 0.1–0.3 ms per run on a busy
 * machine, which t-SNE's two runs per iteration paid a thousand times over on small inputs.
 */
export class RowPool {
  private readonly workers: Worker[];
  private readonly ports: MessagePort[];
  private readonly control = new Int32Array(new SharedArrayBuffer(3 * 4));
  private closed = false;

  private constructor(readonly parts: number) {
    this.ports = [];
    this.workers = Array.from({ length: parts - 1 }, () => {
      const channel = new MessageChannel();
      this.ports.push(channel.port1);
      const data: RowPoolThreadData = { control: this.control.buffer as SharedArrayBuffer, port: channel.port2 };
      const worker = new Worker(join(__dirname, 'row-pool-thread.js'), { workerData: data, transferList: [channel.port2] });
      worker.unref();
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
    if (this.closed) throw new Error('the compute threads were closed');
    const ranges = Array.from({ length: this.parts }, (_, i) => [Math.floor((i * rows) / this.parts), Math.floor(((i + 1) * rows) / this.parts)]);
    Atomics.store(this.control, PoolControl.finished, 0);
    Atomics.store(this.control, PoolControl.failed, 0);
    this.ports.forEach((port, i) => port.postMessage({ task, from: ranges[i + 1][0], to: ranges[i + 1][1], slot: i + 1 } satisfies RowPoolPart));
    Atomics.add(this.control, PoolControl.generation, 1);
    Atomics.notify(this.control, PoolControl.generation);
    runRowKernel(task, ranges[0][0], ranges[0][1], 0);
    for (;;) {
      const finished = Atomics.load(this.control, PoolControl.finished);
      if (finished === this.workers.length) break;
      Atomics.wait(this.control, PoolControl.finished, finished, 60_000);
    }
    if (Atomics.load(this.control, PoolControl.failed) !== 0) {
      // The reason waits on a port: this thread's event loop is not running to hear it.
      const reason = this.ports.map((p) => (receiveMessageOnPort(p) as { message: { error?: string } } | undefined)?.message.error).find((e) => e !== undefined);
      throw new Error(`a compute thread failed: ${reason ?? 'unknown error'}`);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.control, PoolControl.generation, -1);
    Atomics.notify(this.control, PoolControl.generation);
    for (const p of this.ports) p.close();
    for (const w of this.workers) void w.terminate();
  }
}

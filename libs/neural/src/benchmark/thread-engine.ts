import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type BackendName } from '../backend';
import { type BenchmarkEngine, type EngineSpec } from './benchmark-engine';
import { type ThreadData, type ThreadReply, type ThreadRequest } from './thread-messages';

/** One benchmark thread as the row sees it: a request answered in turn, or the thread's failure. */
class BenchmarkThread {
  private readonly worker: Worker;
  private readonly waiting: { resolve: (reply: ThreadReply) => void; reject: (error: Error) => void }[] = [];
  private failed: Error | undefined;

  constructor(data: ThreadData) {
    this.worker = new Worker(join(__dirname, 'benchmark-thread.js'), { workerData: data });
    this.worker.on('message', (reply: ThreadReply) => {
      const next = this.waiting.shift();
      if (reply.type === 'error') next?.reject(new Error(reply.message));
      else next?.resolve(reply);
    });
    // A thread that dies (its heap exhausted, a crash) fails what it was asked and all after.
    const fail = (error: Error) => {
      this.failed ??= error;
      for (const next of this.waiting.splice(0)) next.reject(this.failed);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the benchmark thread stopped (exit code ${code})`)));
  }

  /** The thread's next message: `ready` first, then the answer to each request in order. */
  next<T extends ThreadReply['type']>(type: T, request?: ThreadRequest): Promise<Extract<ThreadReply, { type: T }>> {
    if (this.failed) return Promise.reject(this.failed);
    const reply = new Promise<ThreadReply>((resolve, reject) => this.waiting.push({ resolve, reject }));
    if (request) this.worker.postMessage(request);
    return reply.then((r) => {
      if (r.type !== type) throw new Error(`the benchmark thread answered ${r.type} where ${type} was due`);
      return r as Extract<ThreadReply, { type: T }>;
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * A benchmark engine of `threads` worker threads, each with its own `backend` and copy of the
 * model, that split every batch between them: the way to use more than one core with the wasm
 * backend, whose threaded build does not run in node (tfjs#3830: its pthreads start from blob
 * URLs, which node's workers refuse, so tfjs reports WASM_HAS_MULTITHREAD_SUPPORT false there).
 * A batch's time is its wall time, until the last thread has read back its share, so an image's
 * time is throughput (wall time / images), not the latency of one image.
 */
export async function openThreadEngine(backend: BackendName, spec: EngineSpec, threads: number): Promise<BenchmarkEngine> {
  const started = performance.now();
  const pool = Array.from({ length: threads }, () => new BenchmarkThread({ backend, spec }));
  try {
    const ready = await Promise.all(pool.map((thread) => thread.next('ready')));
    const modelBuild = Math.max(...ready.map((r) => r.setupMs.modelBuild));
    let closed = false;
    return {
      backend: ready[0].backend,
      threads,
      // The threads start in parallel: starting node and the backend is the wall time less the build.
      setupMs: { backendInit: performance.now() - started - modelBuild, modelBuild },
      flopsPerImage: ready[0].flopsPerImage,
      matMulRate: async () => {
        // All at once, as the batches run: each thread's rate is what it reaches beside the others.
        const rates = (await Promise.all(pool.map((thread) => thread.next('matMul', { type: 'matMul' })))).map((r) => r.rate);
        return { gflopsPerSecond: rates.reduce((sum, r) => sum + r.gflopsPerSecond, 0), side: rates[0].side };
      },
      forward: async (count) => {
        const shares = splitCount(count, threads);
        const replies = await Promise.all(shares.map((share, i) => pool[i].next('forward', { type: 'forward', count: share })));
        return [count, ...replies[0].shape.slice(1)];
      },
      close: async () => {
        if (!closed) await Promise.all(pool.map((thread) => thread.close()));
        closed = true;
      },
    };
  } catch (error) {
    await Promise.all(pool.map((thread) => thread.close()));
    throw error;
  }
}

/** `count` images split as evenly as can be over at most `parts` threads, none given 0. */
export function splitCount(count: number, parts: number): number[] {
  const used = Math.min(count, parts);
  return Array.from({ length: used }, (_, i) => Math.floor(count / used) + (i < count % used ? 1 : 0));
}

/**
 * A worker thread of a threaded benchmark row: opens its own in-process engine (its own backend
 * instance and copy of the model, built from the same seed, so the same weights) and answers
 * the row's requests. Started by {@link openThreadEngine}; not imported by anything.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openInProcessEngine } from './in-process-engine';
import { type ThreadData, type ThreadReply, type ThreadRequest } from './thread-messages';

const port = parentPort;
if (!port) throw new Error('benchmark-thread runs only as a worker thread');
const post = (reply: ThreadReply) => port.postMessage(reply);
const failure = (error: unknown): ThreadReply => ({ type: 'error', message: error instanceof Error ? error.message : String(error) });

const { backend, spec } = workerData as ThreadData;
openInProcessEngine(backend, spec).then(
  (engine) => {
    post({ type: 'ready', backend: engine.backend, setupMs: engine.setupMs, flopsPerImage: engine.flopsPerImage });
    // Requests are handled in turn: each awaits the one before, as the row sends one at a time.
    let queue = Promise.resolve();
    port.on('message', (request: ThreadRequest) => {
      queue = queue.then(async () => {
        try {
          if (request.type === 'forward') post({ type: 'forward', shape: await engine.forward(request.count) });
          else post({ type: 'matMul', rate: await engine.matMulRate() });
        } catch (error) {
          post(failure(error));
        }
      });
    });
  },
  (error: unknown) => post(failure(error)),
);

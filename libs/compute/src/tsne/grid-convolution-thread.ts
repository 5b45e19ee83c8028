import { type MessagePort, workerData } from 'node:worker_threads';
import { loadFft } from './grid-convolution';
import type { GridThreadData } from './grid-thread-protocol';
import { serveGrids } from './grid-thread-serve';

// The helper thread of a ParallelGridConvolution.
serveGrids(workerData as GridThreadData & { port: MessagePort }, loadFft);

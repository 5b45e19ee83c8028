import { parentPort, workerData } from 'node:worker_threads';
import { CandidateHeaps, scanBlockPairs } from './neighbours';
import { type NeighbourTask } from './parallel-neighbours';

// One share of a parallel neighbour search (see parallelNeighbours).
const task = workerData as NeighbourTask;
const heaps = new CandidateHeaps(task.rows, task.k);
scanBlockPairs({ rows: task.rows, cols: task.cols, data: new Float64Array(task.data) }, task.k, heaps, task.part, task.parts);
parentPort?.postMessage({ idx: heaps.idx, dist: heaps.dist, size: heaps.size }, [heaps.idx.buffer, heaps.dist.buffer, heaps.size.buffer]);

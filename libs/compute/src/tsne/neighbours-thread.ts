import { parentPort, workerData } from 'node:worker_threads';
import { type NeighbourTask, searchShare } from './parallel-neighbours';

// One share of a threaded neighbour search (see threadedNeighbours): its rows go straight into
// the shared result; what comes back is how many it had to search again in float64.
const task = workerData as NeighbourTask;
parentPort?.postMessage(searchShare({ rows: task.rows, cols: task.cols, data: new Float64Array(task.data) }, task));

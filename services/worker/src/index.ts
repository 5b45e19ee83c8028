export { JobRunner } from './job-runner';
export { readWorkerEnv, type WorkerEnv } from './worker-env';

import { type JobKind } from '@gpulab/compute';
import { compileRunParams, RUN_KIND_NAME, RUN_PARAMS, runParamsRecord, type RunParams } from './run-params';

/**
 * A team's own command on its job's GPUs. Its parameters are checked here, in the gateway and
 * again in the worker; the command itself is started by the worker's command runner
 * (`services/worker/src/run/`), which needs what no other kind does (child processes, folders,
 * the log stream), so {@link JobKind.run} is never called for it.
 */
export const runKind: JobKind<RunParams> = {
  name: RUN_KIND_NAME,
  summary: 'runs your own command (python3 train.py …) on the job\'s GPUs, with its inputs, outputs, checkpoint folder and log',
  input: 'none',
  params: RUN_PARAMS,
  artifactParams: { code: 'code', inputs: 'any' },
  compile: (params) => compileRunParams(params),
  record: (p) => runParamsRecord(p),
  run() {
    return Promise.reject(new Error('a run job is started by the worker\'s command runner, not through JobKind.run'));
  },
};


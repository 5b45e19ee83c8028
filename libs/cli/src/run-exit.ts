import { type JobView } from '@gpulab/sdk';
import { exitStatusOfReason } from '@gpulab/run-job';
import { EXIT_CODES } from './exit-codes';

/**
 * What `gpulab run` exits with once its job ended: the command's own exit status where the job
 * says it (`result.exitCode` when it succeeded; the exit status a failure's reason names, 128 + N for
 * a command killed by signal N), else
 * 0 for a success and 1 for a job that failed or was cancelled otherwise.
 */
export function runExitCode(job: JobView): number {
  if (job.state === 'SUCCEEDED') return exitStatus(job.result?.exitCode) ?? EXIT_CODES.ok;
  const code = exitStatus(exitStatusOfReason(job.reason ?? ''));
  // A command that failed with status 0 is not a success of `gpulab run`.
  return code === undefined || code === 0 ? EXIT_CODES.jobFailed : code;
}

function exitStatus(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 255 ? value : undefined;
}

import { type JobView } from '@gpulab/sdk';
import { EXIT_CODES } from './exit-codes';

/** How a failed `run` job's reason starts when its command exited non-zero: "exit code 3: …". */
const EXIT_CODE_REASON = /^exit code (\d{1,3})\b/;

/**
 * What `gpulab run` exits with once its job ended: the command's own exit status where the job
 * says it (`result.exitCode` when it succeeded; a failure reason starting "exit code N"), else
 * 0 for a success and 1 for a job that failed or was cancelled otherwise.
 */
export function runExitCode(job: JobView): number {
  if (job.state === 'SUCCEEDED') return exitStatus(job.result?.exitCode) ?? EXIT_CODES.ok;
  const fromReason = EXIT_CODE_REASON.exec(job.reason ?? '');
  const code = fromReason ? exitStatus(Number(fromReason[1])) : undefined;
  // A command that failed with status 0 is not a success of `gpulab run`.
  return code === undefined || code === 0 ? EXIT_CODES.jobFailed : code;
}

function exitStatus(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 255 ? value : undefined;
}

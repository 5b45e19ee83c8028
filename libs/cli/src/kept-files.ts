import { isTerminalState, type JobView } from '@gpulab/sdk';

/** True for a job that ended without its result: failed or cancelled. */
export function endedWithoutResult(job: JobView): boolean {
  return job.state !== 'SUCCEEDED' && job.state !== 'UNKNOWN' && isTerminalState(job.state);
}

/**
 * The line `gpulab result` prints on stderr before it shows or downloads what a job that did not
 * succeed kept: "job j-… FAILED (exit 3): downloading the 2 files it kept". Undefined for a
 * job that succeeded, has not ended, or kept nothing (the gateway then says why).
 */
export function keptFilesLine(job: JobView, downloading: boolean): string | undefined {
  if (!endedWithoutResult(job) || !job.result) return undefined;
  const files = Array.isArray(job.result.files) ? job.result.files.length : 0;
  const what = `${files} ${files === 1 ? 'file' : 'files'} it kept`;
  const how = endedHow(job);
  return `job ${job.id} ${job.state}${how ? ` (${how})` : ''}: ${downloading ? `downloading the ${what}` : `the ${what} are listed below; "gpulab result ${job.id} --out DIR" downloads them`}`;
}

/** "exit 3" for a command that exited so on its own; else the reason's first line ("cancelled by ada", "…killed by SIGTERM (stopped at its timeout)"). */
function endedHow(job: JobView): string | undefined {
  const first = job.reason?.split('\n')[0].split('; the last lines of stderr')[0];
  const exited = first && /^the command exited with code (\d+)$/.exec(first);
  if (exited) return `exit ${exited[1]}`;
  return first && first.length > 160 ? `${first.slice(0, 157)}…` : first;
}

/** After a job that did not succeed but kept files: where to get them ("its 2 kept files: gpulab result j-… --out DIR"). */
export function keptFilesHint(job: JobView): string | undefined {
  if (!endedWithoutResult(job) || !Array.isArray(job.result?.files) || job.result.files.length === 0) return undefined;
  const files = job.result.files.length;
  return `the ${files} ${files === 1 ? 'file' : 'files'} it kept: gpulab result ${job.id} --out DIR`;
}

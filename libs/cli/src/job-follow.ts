import { type GpulabClient, type JobView } from '@gpulab/sdk';
import { type CliContext, printJson, timeOptions } from './cli-context';
import { EXIT_CODES } from './exit-codes';
import { endedWithoutResult, keptFilesHint } from './kept-files';
import { describeJob, jobJson } from './format';
import { WatchDisplay } from './watch-display';
import { followWaitingReasons } from './waiting-reasons';

/**
 * Follows a job to its end: its events on stderr (or nothing with `json`), then the job on
 * stdout, and the exit status says whether it succeeded.
 */
export async function followJob(ctx: CliContext, client: GpulabClient, id: string, json: boolean): Promise<void> {
  const display = new WatchDisplay(ctx.stderr, { timeZone: ctx.timeZone });
  const waiting = json ? undefined : followWaitingReasons(() => client.getJob(id), (line) => display.note(line));
  const job = await client.waitForJob(id, json ? undefined : (event) => display.show(event)).finally(() => waiting?.stop());
  display.stopBar();
  if (json) printJson(ctx, jobJson(job));
  else ctx.stdout.write(`${describeJob(job, timeOptions(ctx))}\n`);
  setExitForJob(ctx, job);
}

/** Says on stderr why a job that ended without its result did, and exits 1 for it. */
export function setExitForJob(ctx: CliContext, job: JobView): void {
  if (!endedWithoutResult(job)) return;
  ctx.stderr.write(`job ${job.id} ${job.state}${job.reason ? `: ${job.reason}` : ''}\n`);
  const kept = keptFilesHint(job);
  if (kept) ctx.stderr.write(`${kept}\n`);
  ctx.exitCode = EXIT_CODES.jobFailed;
}

import { type GpulabClient, type JobLogOptions } from '@gpulab/sdk';
import { type CliContext, printJson } from './cli-context';
import { logLineJson, logLineText } from './log-format';

/** What `printJobLogs` reads and how it prints it. */
export interface LogPrintOptions extends JobLogOptions {
  json?: boolean;
}

/** States in which a job has not started: its output comes later, and a follow says so. */
const NOT_STARTED = new Set(['QUEUED', 'SCHEDULED', 'PREEMPTED']);

/**
 * Prints a job's output lines on stdout (`HH:MM:SS [out] text`, or one JSON object a line) and,
 * with `follow`, goes on until the job has ended or `signal` aborts. A follow of a job that has
 * not started says once, on stderr, that it waits for it.
 */
export async function printJobLogs(ctx: CliContext, client: GpulabClient, id: string, options: LogPrintOptions, signal?: AbortSignal): Promise<number> {
  if (options.follow) {
    const job = await client.getJob(id);
    if (NOT_STARTED.has(job.state)) ctx.stderr.write(`job ${id} is ${job.state}: waiting for it to start; its output follows once it runs\n`);
  }
  const format = { timeZone: ctx.timeZone, colour: !!ctx.stdout.isTTY };
  let lines = 0;
  for await (const line of client.streamJobLogs(id, options, signal)) {
    lines++;
    if (options.json) printJson(ctx, logLineJson(line));
    else ctx.stdout.write(`${logLineText(line, format)}\n`);
  }
  return lines;
}

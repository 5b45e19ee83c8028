import { type Command, Option } from 'commander';
import { LOG_READ_LIMITS, LOG_STREAM_NAMES, type LogStreamName } from '@gpulab/sdk';
import { type CliContext, withClient } from '../cli-context';
import { jobIdOf } from '../job-id';
import { printJobLogs } from '../log-follow';
import { positiveInt } from '../option-parsers';
import { parseSince } from '../since-option';
import { UsageError } from '../usage-error';

interface LogsFlags {
  follow?: boolean;
  tail?: number;
  since?: string;
  stream?: LogStreamName;
  json?: boolean;
}

/** `logs`: what a job's command printed, and with `--follow` what it prints until it ends. */
export function registerLogsCommand(program: Command, ctx: CliContext): void {
  program
    .command('logs')
    .description("print a job's output: HH:MM:SS [out] line, [err] for stderr, [gpulab] for gpulab's own notes")
    .argument('<id>', 'job id, a unique start of one (j-01m8rb), or last')
    .option('-f, --follow', 'then print new lines until the job ends (Ctrl-C stops following; the job goes on)')
    .option('--tail <n>', `only the last n lines printed so far (at most ${LOG_READ_LIMITS.maxTail})`, positiveInt('--tail'))
    .option('--since <when>', 'only lines printed since: a span back from now (30s, 10m, 2h, 1d) or a time (2026-12-03T14:05:00Z)')
    .addOption(new Option('--stream <name>', 'only one stream').choices(LOG_STREAM_NAMES))
    .option('--json', 'print one JSON object per line {at, stream, text, attempt}')
    .action(async (given: string, opts: LogsFlags) => {
      if (opts.tail !== undefined && opts.tail > LOG_READ_LIMITS.maxTail) throw new UsageError(`--tail is at most ${LOG_READ_LIMITS.maxTail} lines, not ${opts.tail}`);
      const since = opts.since === undefined ? undefined : parseSince(opts.since, ctx.now());
      await withClient(ctx, async (client) => {
        const id = await jobIdOf(client, given);
        const stop = new AbortController();
        const stopListening = ctx.onInterrupt(() => stop.abort());
        try {
          await printJobLogs(ctx, client, id, { follow: opts.follow, tail: opts.tail, since, stream: opts.stream, json: opts.json }, stop.signal);
        } finally {
          stopListening();
        }
      });
    });
}

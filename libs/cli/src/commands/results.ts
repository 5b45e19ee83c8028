import { resolve } from 'node:path';
import { type Command } from 'commander';
import { GpulabError } from '@gpulab/sdk';
import { type CliContext, printJson, withClient } from '../cli-context';
import { EXIT_CODES } from '../exit-codes';
import { formatBytes, table, usageLine } from '../format';
import { jobIdOf } from '../job-id';
import { endedWithoutResult, keptFilesLine } from '../kept-files';
import { resultLines } from '../result-format';
import { TransferDisplay } from '../transfer-display';

/**
 * The result on stdout: one JSON line with `--json` or into a pipe (what scripts read), indented
 * key/value blocks on a terminal.
 */
function printResult(ctx: CliContext, result: Record<string, unknown>, json: boolean): void {
  if (json || !ctx.stdout.isTTY) return printJson(ctx, result);
  ctx.stdout.write(`${resultLines(result, '').join('\n')}\n`);
}

/** `result` and `outputs rm`: what an ended job left, read, downloaded or deleted. */
export function registerResultCommands(program: Command, ctx: CliContext): void {
  program
    .command('result')
    .description("a finished job's result (of one that failed or was cancelled, the files it kept): shown as indented blocks on a terminal, as one JSON line into a pipe or with --json; with --out downloaded into a folder with every file it lists")
    .argument('<id>', 'job id, a unique start of one (j-01m8rb), or last')
    .option('--out <dir>', 'write result.json and the files the result lists into this folder')
    .option('--json', 'print the result as one JSON line (the default into a pipe); with --out, the files written')
    .action(async (given: string, opts: { out?: string; json?: boolean }) =>
      withClient(ctx, async (client) => {
        const id = await jobIdOf(client, given);
        try {
          // A job that failed or was cancelled shows and downloads the files it kept, saying first
          // that it did not succeed; `result` exits 0 then, as the download itself did not fail.
          const kept = keptFilesLine(await client.getJob(id), !!opts.out);
          if (kept) ctx.stderr.write(`${kept}\n`);
          if (!opts.out) return printResult(ctx, await client.readResult(id), !!opts.json);
          const display = new TransferDisplay('downloading', ctx.stderr);
          const files = await client.downloadResult(id, opts.out, (p) => display.update(p.receivedBytes, p.totalBytes, p.file)).finally(() => display.stop());
          if (opts.json) return printJson(ctx, { jobId: id, dir: resolve(opts.out), files });
          ctx.stdout.write(`${table([['FILE', 'SIZE', 'TYPE', 'WRITTEN TO'], ...files.map((f) => [f.name, formatBytes(f.bytes), f.contentType, f.path])])}\n`);
        } catch (error) {
          // A job that failed or was cancelled and kept no files has nothing to give: exit as for a failed job.
          if (error instanceof GpulabError && error.code === 'FAILED_PRECONDITION') {
            const job = await client.getJob(id).catch(() => undefined);
            if (job && endedWithoutResult(job)) {
              ctx.stderr.write(`error: ${error.message} (${error.code})\n`);
              ctx.exitCode = EXIT_CODES.jobFailed;
              return;
            }
          }
          throw error;
        }
      }),
    );

  const outputs = program.command('outputs').description("an ended job's stored result and files");

  outputs
    .command('rm')
    .description("delete an ended job's result and files and free their space in your team's storage")
    .argument('<id>', 'job id, a unique start of one (j-01m8rb), or last')
    .option('--json', 'print one JSON object')
    .action(async (id: string, opts: { json?: boolean }) =>
      withClient(ctx, async (client) => {
        const deleted = await client.deleteJobOutputs(await jobIdOf(client, id));
        if (opts.json) return printJson(ctx, deleted);
        const what = deleted.alreadyDeleted
          ? `the outputs of ${deleted.jobId} were already deleted (on ${deleted.deletedAt} by ${deleted.deletedBy})`
          : `deleted the outputs of ${deleted.jobId} (${deleted.deletedFiles} files, ${formatBytes(deleted.freedBytes)})`;
        ctx.stdout.write(`${what}${deleted.usage ? `; ${usageLine(deleted.usage)}` : ''}\n`);
      }),
    );
}

import { writeFileSync } from 'node:fs';
import { type Command } from 'commander';
import { benchmarkTable, flagRegressions } from '@gpulab/sdk';
import { benchmarkHistoryPng, benchmarkTablePng } from '../bench-chart';
import { benchmarkTableMarkdown, benchmarkTableText } from '../bench-format';
import { type CliContext, printJson, withClient } from '../cli-context';
import { registerBenchScheduleCommands } from './bench-schedule';
import { shortTime } from '../format';
import { table } from '../text-table';

/** `bench table` and `bench history`: the lecture's benchmark table for our cluster, and a model's trend. */
export function registerBenchCommands(program: Command, ctx: CliContext): void {
  const bench = program.command('bench').description("the benchmark jobs' table: seconds per 1,000 images per model, backend and device");
  bench
    .command('table')
    .description("the lecture's table for this cluster: the fastest per column marked, regressions marked, the slide's K80/P100 rows beside ours")
    .option('--model <name>', "only this model's rows (resnet50, mobilenetv2, course-cnn)")
    .option('--since <date>', 'only rows from this date on (YYYY-MM-DD)')
    .option('--json', 'print the table as one JSON object')
    .option('--markdown', 'print the table as Markdown, the fastest per column in bold')
    .option('--png <file>', 'also draw the table as a grouped bar chart to a PNG file')
    .action(async (opts: { model?: string; since?: string; json?: boolean; markdown?: boolean; png?: string }) =>
      withClient(ctx, async (client) => {
        const model = benchmarkTable(await client.listBenchmarkRows({ model: opts.model }), { model: opts.model, since: opts.since });
        if (opts.png) {
          writeFileSync(opts.png, benchmarkTablePng(model));
          ctx.stderr.write(`wrote ${opts.png}\n`);
        }
        if (opts.json) return printJson(ctx, model);
        ctx.stdout.write(`${opts.markdown ? benchmarkTableMarkdown(model) : benchmarkTableText(model)}\n`);
      }),
    );
  bench
    .command('history')
    .description("one model's runs on one backend over time, regressions marked")
    .requiredOption('--model <name>', 'the model (resnet50, mobilenetv2, course-cnn)')
    .requiredOption('--backend <name>', 'the backend (cpu, wasm, tensorflow, tensorflow-gpu)')
    .option('--json', 'print the rows as one JSON object')
    .option('--png <file>', 'also draw the trend to a PNG file')
    .action(async (opts: { model: string; backend: string; json?: boolean; png?: string }) =>
      withClient(ctx, async (client) => {
        // Flagged against every backend's rows would change nothing: only comparable rows count.
        const rows = flagRegressions(await client.listBenchmarkRows({ model: opts.model, backend: opts.backend }));
        if (opts.png) {
          writeFileSync(opts.png, benchmarkHistoryPng(rows, `${opts.model} on ${opts.backend}: seconds per 1,000 images`));
          ctx.stderr.write(`wrote ${opts.png}\n`);
        }
        if (opts.json) return printJson(ctx, { rows });
        if (rows.length === 0) return void ctx.stdout.write(`no benchmark rows for ${opts.model} on ${opts.backend}\n`);
        const lines = rows.map((row) => [
          shortTime(row.date),
          row.device,
          String(row.batchSize),
          String(row.inputSize),
          String(row.secondsPer1000Images),
          row.regression ? `regression: +${Math.round((row.regression.ratio - 1) * 100)}% vs median ${row.regression.median}` : '',
          row.jobId,
        ]);
        ctx.stdout.write(`${table([['DATE', 'DEVICE', 'BATCH', 'INPUT', 'S/1000 IMAGES', 'FLAG', 'JOB'], ...lines])}\n`);
      }),
    );
  registerBenchScheduleCommands(bench, ctx);
}

import { type Command, InvalidArgumentError } from 'commander';
import { type GpulabClient } from '@gpulab/sdk';
import { type BenchScheduleRow, benchScheduleLine, benchScheduleTable } from '../bench-schedule-format';
import { type CliContext, printJson, printLine, timeOptions, withClient } from '../cli-context';
import { positiveInt } from '../option-parsers';

/** "1,32": whole numbers of 1 or more, comma-separated; the error names the option. */
const batchSizes = (value: string): number[] =>
  value.split(',').map((part) => {
    const n = Number(part.trim());
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('--batch-sizes must be whole numbers of 1 or more, comma-separated, e.g. 1,32');
    return n;
  });

const names = (value: string): string[] => value.split(',').map((part) => part.trim()).filter((part) => part !== '');

/** `bench schedule add|list|rm|pause|resume`: tutors' benchmark runs at the instants of a cron expression. */
export function registerBenchScheduleCommands(bench: Command, ctx: CliContext): void {
  const schedule = bench.command('schedule').description('tutors: benchmark jobs at the instants of a cron expression, on GPUs no slot holds');
  schedule
    .command('add')
    .description("add a schedule: one benchmark job per batch size whenever the expression fires, in the term's time zone")
    .requiredOption('--cron <expression>', 'five fields (minute hour day-of-month month day-of-week), e.g. "0 3 * * *"; or six with seconds first')
    .requiredOption('--model <name>', 'resnet50, mobilenetv2 or course-cnn')
    .option('--backends <list>', 'backends timed in turn, e.g. cpu,wasm (default: every backend installed on the worker)', names)
    .option('--batch-sizes <list>', 'one job per batch size, e.g. 1,32 (default: the kind’s batch size)', batchSizes)
    .option('--images <n>', 'images timed per backend', positiveInt('--images'))
    .option('--input-size <px>', 'side the images are resized to', positiveInt('--input-size'))
    .option('--json', 'print the schedule as one JSON object')
    .action(async (opts: { cron: string; model: string; backends?: string[]; batchSizes?: number[]; images?: number; inputSize?: number; json?: boolean }) =>
      withClient(ctx, async (client) => {
        const added = await client.addBenchSchedule({ cron: opts.cron, model: opts.model, backends: opts.backends, batchSizes: opts.batchSizes, images: opts.images, inputSize: opts.inputSize });
        if (opts.json) return printJson(ctx, added);
        printLine(ctx, benchScheduleLine('added', added, timeOptions(ctx)));
      }),
    );
  schedule
    .command('list')
    .description('every schedule with its next firing and its last firing’s outcome')
    .option('--json', 'print the schedules as one JSON object')
    .action(async (opts: { json?: boolean }) =>
      withClient(ctx, async (client) => {
        const schedules = await client.listBenchSchedules();
        if (opts.json) return printJson(ctx, { schedules });
        printLine(ctx, benchScheduleTable(schedules, timeOptions(ctx)));
      }),
    );
  const change = (name: string, description: string, verb: string, act: (client: GpulabClient, id: string) => Promise<BenchScheduleRow>) =>
    schedule
      .command(name)
      .description(description)
      .argument('<id>', 'the schedule, as list shows it (bs-…)')
      .option('--json', 'print the schedule as one JSON object')
      .action(async (id: string, opts: { json?: boolean }) =>
        withClient(ctx, async (client) => {
          const done = await act(client, id);
          if (opts.json) return printJson(ctx, done);
          printLine(ctx, benchScheduleLine(verb, done, timeOptions(ctx)));
        }),
      );
  change('rm', 'remove a schedule; jobs it already submitted go on', 'removed', (client, id) => client.removeBenchSchedule(id));
  change('pause', 'stop a schedule firing until it is resumed', 'paused', (client, id) => client.pauseBenchSchedule(id, true));
  change('resume', 'let a paused schedule fire again, from now on', 'resumed', (client, id) => client.pauseBenchSchedule(id, false));
}

import { type Command, Option } from 'commander';
import { ALL_JOB_STATES, type JobStateName, type JobView } from '@gpulab/sdk';
import { submitKindsHelp } from './kinds';
import { type CliContext, printJson, timeOptions, withClient } from '../cli-context';
import { describeJob, jobJson, jobTable } from '../format';
import { followJob, setExitForJob } from '../job-follow';
import { jobIdOf } from '../job-id';
import { jobInput, type JobInputFlags } from '../job-input';
import { anyCaseChoice, collect, positiveInt } from '../option-parsers';
import { addShorthand, parseSetValues } from '../set-values';

interface SubmitFlags extends JobInputFlags {
  set: string[];
  gpus?: number;
  components?: number;
  wait?: boolean;
  json?: boolean;
  priority?: boolean;
  preemptible?: boolean;
}

/** `submit`, `watch`, `get`, `cancel` and `jobs`: a job from its submission to its end. */
export function registerJobCommands(program: Command, ctx: CliContext): void {
  program
    .command('submit')
    .description('submit a job, e.g. gpulab submit pca --input data.csv --components 2 --wait')
    .argument('<kind>', 'job kind, e.g. pca')
    .option('--input <file-or-artifact>', 'a CSV file to send with the job, or an uploaded data set or picture (art-…)')
    .option('--artifact <id>', 'an uploaded data set or picture (gpulab upload), e.g. art-…')
    .option('--dataset <name>', 'a built-in data set, e.g. seed-example')
    .option('--set <key=value>', 'a job parameter (repeatable)', collect, [])
    .option('--gpus <n>', 'GPUs for the job (1 or 2)', positiveInt('--gpus'))
    .option('--priority', "jump your team's own queue")
    .option('--preemptible', "also run on idle GPUs outside your team's slot, until a booking needs them")
    .option('--components <k>', 'pca: number of principal components', positiveInt('--components'))
    .option('--wait', 'follow the job until it ends')
    .option('--json', 'print one JSON object on stdout')
    .addHelpText('after', submitKindsHelp)
    .action(async (kind: string, opts: SubmitFlags) => {
      const params = parseSetValues(opts.set);
      addShorthand(params, 'components', opts.components, '--components');
      await withClient(ctx, async (client) => {
        const { job, notices } = await client.submitJob({ kind, input: jobInput(opts), params, gpus: opts.gpus, priority: opts.priority, preemptible: opts.preemptible });
        if (!opts.json) {
          ctx.stderr.write(`submitted ${job.id} (${job.kind}, ${job.state})\n`);
          for (const n of notices) ctx.stderr.write(`note: ${n}\n`);
        }
        if (opts.wait) return followJob(ctx, client, job.id, !!opts.json);
        if (opts.json) printJson(ctx, jobJson(job));
        else ctx.stdout.write(`${job.id}\n`);
      });
    });

  program
    .command('watch')
    .description('follow a job: its history, live progress and the result')
    .argument('<id>', 'job id, a unique start of one (j-01m8rb), or last')
    .option('--json', 'print the events as JSON lines, then the job')
    .action(async (given: string, opts: { json?: boolean }) =>
      withClient(ctx, async (client) => {
        const id = await jobIdOf(client, given);
        if (!opts.json) return followJob(ctx, client, id, false);
        for await (const event of client.watchJob(id)) printJson(ctx, event);
        const job = await client.getJob(id);
        printJson(ctx, jobJson(job));
        setExitForJob(ctx, job);
      }),
    );

  program
    .command('get')
    .description('show a job and its result')
    .argument('<id>', 'job id, a unique start of one (j-01m8rb), or last')
    .option('--json', 'print one JSON object')
    .action(async (id: string, opts: { json?: boolean }) =>
      withClient(ctx, async (client) => {
        const job = await client.getJob(await jobIdOf(client, id));
        if (opts.json) printJson(ctx, jobJson(job));
        else ctx.stdout.write(`${describeJob(job, timeOptions(ctx))}\n`);
      }),
    );

  program
    .command('cancel')
    .description('cancel a job that has not ended')
    .argument('<id>', 'job id, a unique start of one (j-01m8rb), or last')
    .option('--json', 'print one JSON object')
    .action(async (id: string, opts: { json?: boolean }) =>
      withClient(ctx, async (client) => {
        const job = await client.cancelJob(await jobIdOf(client, id));
        if (opts.json) printJson(ctx, jobJson(job));
        else ctx.stdout.write(`${job.id} ${job.state}\n`);
      }),
    );

  program
    .command('jobs')
    .description("list your team's jobs (tutors: all teams), newest first")
    .addOption(new Option('--state <state...>', `only jobs in these states, in any case (${ALL_JOB_STATES.join(', ')})`).argParser(anyCaseChoice(ALL_JOB_STATES)))
    .option('--team <name>', 'tutors: one team')
    .option('--limit <n>', 'at most this many', positiveInt('--limit'), 50)
    .option('--all', 'every page')
    .option('--json', 'print one JSON object {jobs: [...]}')
    .action(async (opts: { state?: string[]; team?: string; limit: number; all?: boolean; json?: boolean }) =>
      withClient(ctx, async (client) => {
        const jobs: JobView[] = [];
        let pageToken: string | undefined;
        do {
          const page = await client.listJobs({ states: opts.state as JobStateName[] | undefined, team: opts.team, pageSize: Math.min(opts.limit, 500), pageToken });
          jobs.push(...page.jobs);
          pageToken = page.nextPageToken;
        } while (opts.all && pageToken);
        if (opts.json) printJson(ctx, { jobs: jobs.map(jobJson), nextPageToken: pageToken });
        else ctx.stdout.write(`${jobs.length ? jobTable(jobs, timeOptions(ctx)) : 'no jobs'}\n`);
      }),
    );
}

#!/usr/bin/env node
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { ALL_JOB_STATES, GpulabClient, GpulabError, isTerminalState, type JobInputOption, type JobStateName, type JobView, type InventoryChange, type SlotKind } from '@gpulab/sdk';
import { calendarGrid, calendarPng, feasibilityText, quotaTable, serverTable, slotLine } from './calendar-format';
import { describeJob, jobJson, jobTable, table } from './format';
import { parseSetValues } from './set-values';
import { WatchDisplay } from './watch-display';

/** Exit codes: 0 success, 1 the job failed or was cancelled, 2 the request was refused. */
const EXIT_JOB_FAILED = 1;
const EXIT_REFUSED = 2;

const program = new Command()
  .name('gpulab')
  .description('Submit and follow jobs on the course GPU cluster.\nAddress: GPULAB_ADDR (default localhost:50051); token: GPULAB_TOKEN (default: the local demo team).')
  .showHelpAfterError();

const collect = (value: string, previous: string[]) => [...previous, value];
const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number of 1 or more`);
  return n;
};

program
  .command('submit')
  .description('submit a job, e.g. gpulab submit pca --input data.csv --components 2 --wait')
  .argument('<kind>', 'job kind, e.g. pca')
  .option('--input <file-or-artifact>', 'a CSV file to send with the job (or an artifact id)')
  .option('--dataset <name>', 'a built-in data set, e.g. seed-example')
  .option('--set <key=value>', 'a job parameter (repeatable)', collect, [])
  .option('--gpus <n>', 'GPUs for the job (1 or 2)', positiveInt('--gpus'))
  .option('--priority', "jump your team's own queue")
  .option('--preemptible', "also run on idle GPUs outside your team's slot, until a booking needs them")
  .option('--components <k>', 'pca: number of principal components', positiveInt('--components'))
  .option('--wait', 'follow the job until it ends')
  .option('--json', 'print one JSON object on stdout')
  .action(async (kind: string, opts: { input?: string; dataset?: string; set: string[]; gpus?: number; components?: number; wait?: boolean; json?: boolean; priority?: boolean; preemptible?: boolean }) => {
    const params = parseSetValues(opts.set);
    if (opts.components !== undefined) params.components = opts.components;
    const client = new GpulabClient();
    try {
      const { job, notices } = await client.submitJob({ kind, input: inputOption(opts), params, gpus: opts.gpus, priority: opts.priority, preemptible: opts.preemptible });
      if (!opts.json) {
        process.stderr.write(`submitted ${job.id} (${job.kind}, ${job.state})\n`);
        for (const n of notices) process.stderr.write(`note: ${n}\n`);
      }
      if (!opts.wait) {
        if (opts.json) printJson(jobJson(job));
        else process.stdout.write(`${job.id}\n`);
        return;
      }
      await follow(client, job.id, !!opts.json);
    } finally {
      client.close();
    }
  });

program
  .command('watch')
  .description('follow a job: its history, live progress and the result')
  .argument('<id>', 'job id')
  .option('--json', 'print the events as JSON lines, then the job')
  .action(async (id: string, opts: { json?: boolean }) => {
    const client = new GpulabClient();
    try {
      if (opts.json) {
        for await (const event of client.watchJob(id)) printJson(event);
        const job = await client.getJob(id);
        printJson(jobJson(job));
        setExitForJob(job);
      } else {
        await follow(client, id, false);
      }
    } finally {
      client.close();
    }
  });

program
  .command('get')
  .description('show a job and its result')
  .argument('<id>', 'job id')
  .option('--json', 'print one JSON object')
  .action(async (id: string, opts: { json?: boolean }) => {
    const client = new GpulabClient();
    try {
      const job = await client.getJob(id);
      if (opts.json) printJson(jobJson(job));
      else process.stdout.write(`${describeJob(job)}\n`);
    } finally {
      client.close();
    }
  });

program
  .command('cancel')
  .description('cancel a job that has not ended')
  .argument('<id>', 'job id')
  .option('--json', 'print one JSON object')
  .action(async (id: string, opts: { json?: boolean }) => {
    const client = new GpulabClient();
    try {
      const job = await client.cancelJob(id);
      if (opts.json) printJson(jobJson(job));
      else process.stdout.write(`${job.id} ${job.state}\n`);
    } finally {
      client.close();
    }
  });

program
  .command('jobs')
  .description("list your team's jobs (tutors: all teams), newest first")
  .addOption(new Option('--state <state...>', 'only jobs in these states').choices(ALL_JOB_STATES as string[]))
  .option('--team <name>', 'tutors: one team')
  .option('--limit <n>', 'at most this many', positiveInt('--limit'), 50)
  .option('--all', 'every page')
  .option('--json', 'print one JSON object {jobs: [...]}')
  .action(async (opts: { state?: string[]; team?: string; limit: number; all?: boolean; json?: boolean }) => {
    const client = new GpulabClient();
    try {
      const jobs: JobView[] = [];
      let pageToken: string | undefined;
      do {
        const page = await client.listJobs({ states: opts.state as JobStateName[] | undefined, team: opts.team, pageSize: Math.min(opts.limit, 500), pageToken });
        jobs.push(...page.jobs);
        pageToken = page.nextPageToken;
      } while (opts.all && pageToken);
      if (opts.json) printJson({ jobs: jobs.map(jobJson), nextPageToken: pageToken });
      else process.stdout.write(`${jobs.length ? jobTable(jobs) : 'no jobs'}\n`);
    } finally {
      client.close();
    }
  });

const slots = program.command('slots').description('the term calendar: who holds which GPUs when');

slots
  .command('show', { isDefault: true })
  .description('print the calendar (days x GPU pairs)')
  .option('--all', 'from the first day of the term, not from today')
  .option('--png <file>', 'also draw the whole term to a PNG file')
  .option('--json', 'print one JSON object')
  .action(async (opts: { all?: boolean; json?: boolean; png?: string }) =>
    withClient(async (client) => {
      const calendar = await client.getCalendar();
      const [mine] = await client.getQuota().catch(() => []);
      if (opts.png) {
        writeFileSync(opts.png, calendarPng(calendar, mine?.team));
        process.stderr.write(`wrote ${opts.png}\n`);
      }
      if (opts.json) return printJson(calendar);
      process.stdout.write(`${calendarGrid(calendar, { from: opts.all ? undefined : calendar.term.today, myTeam: mine?.team })}\n`);
    }),
  );

slots
  .command('book')
  .description('book a slot: 2 GPUs on one server from midnight of the start day')
  .addOption(new Option('--kind <kind>', 'slot kind').choices(['setup', 'experiment']).makeOptionMandatory())
  .requiredOption('--start <date>', 'first day, YYYY-MM-DD or "today"')
  .option('--server <name>', 'a server, e.g. s1')
  .option('--team <name>', 'tutors: the team to book for')
  .option('--json', 'print one JSON object')
  .action(async (opts: { kind: SlotKind; start: string; server?: string; team?: string; json?: boolean }) =>
    withClient(async (client) => {
      const slot = await client.bookSlot({ kind: opts.kind, start: opts.start, server: opts.server, team: opts.team });
      if (opts.json) printJson(slot);
      else process.stdout.write(`booked ${slotLine(slot)}\n`);
    }),
  );

slots
  .command('cancel')
  .description('cancel a slot that has not started; its quota comes back')
  .argument('<id>', 'slot id')
  .option('--json', 'print one JSON object')
  .action(async (id: string, opts: { json?: boolean }) =>
    withClient(async (client) => {
      const slot = await client.cancelSlot(id);
      if (opts.json) printJson(slot);
      else process.stdout.write(`cancelled ${slotLine(slot)}\n`);
    }),
  );

slots
  .command('move')
  .description('tutors: move a slot that has not started')
  .argument('<id>', 'slot id')
  .requiredOption('--start <date>', 'new first day, YYYY-MM-DD')
  .option('--server <name>', 'a server, e.g. s1')
  .option('--json', 'print one JSON object')
  .action(async (id: string, opts: { start: string; server?: string; json?: boolean }) =>
    withClient(async (client) => {
      const slot = await client.moveSlot(id, opts.start, opts.server);
      if (opts.json) printJson(slot);
      else process.stdout.write(`moved ${slotLine(slot)}\n`);
    }),
  );

program
  .command('quota')
  .description("what your team has booked, used and left (tutors: every team's)")
  .option('--team <name>', 'tutors: one team')
  .option('--json', 'print one JSON object')
  .action(async (opts: { team?: string; json?: boolean }) =>
    withClient(async (client) => {
      const quotas = await client.getQuota(opts.team);
      if (opts.json) printJson({ teams: quotas });
      else process.stdout.write(`${quotaTable(quotas)}\n`);
    }),
  );

program
  .command('usage')
  .description('GPU-hours per team and day (your team; tutors: every team)')
  .option('--team <name>', 'tutors: one team')
  .option('--json', 'print one JSON object')
  .action(async (opts: { team?: string; json?: boolean }) =>
    withClient(async (client) => {
      const rows = await client.getUsage(opts.team);
      if (opts.json) return printJson({ rows });
      if (rows.length === 0) return void process.stdout.write('no GPU time used yet\n');
      const fmt = (h: number) => h.toFixed(h < 1 ? 4 : 2);
      process.stdout.write(`${table([['TEAM', 'DATE', 'GPU-HOURS', 'OF WHICH BACKFILL'], ...rows.map((r) => [r.team, r.date, fmt(r.gpuHours), fmt(r.backfillGpuHours)])])}\n`);
    }),
  );

program
  .command('notices')
  .description("messages for your team (tutors: for the tutors), e.g. a slot moved off a broken GPU")
  .option('--limit <n>', 'at most this many', positiveInt('--limit'), 20)
  .option('--json', 'print one JSON object')
  .action(async (opts: { limit: number; json?: boolean }) =>
    withClient(async (client) => {
      const notices = await client.listNotices(opts.limit);
      if (opts.json) return printJson({ notices });
      process.stdout.write(notices.length ? `${notices.map((n) => `${n.time.replace('T', ' ').slice(0, 19)}  ${n.message}`).join('\n')}\n` : 'no notices\n');
    }),
  );

const admin = program.command('admin').description('for tutors');

admin
  .command('feasibility')
  .description('can every team still place its remaining slots? with a suggestion')
  .option('--json', 'print one JSON object')
  .action(async (opts: { json?: boolean }) =>
    withClient(async (client) => {
      const report = await client.getFeasibility();
      if (opts.json) printJson(report);
      else process.stdout.write(`${feasibilityText(report)}\n`);
    }),
  );

admin
  .command('quota')
  .description("set a team's quota of one slot kind")
  .argument('<team>', 'team name')
  .argument('<kind>', 'setup or experiment')
  .argument('<quota>', 'number of slots', (v: string) => Number(v))
  .option('--json', 'print one JSON object')
  .action(async (team: string, kind: string, quota: number, opts: { json?: boolean }) =>
    withClient(async (client) => {
      if (kind !== 'setup' && kind !== 'experiment') throw new UsageError('kind must be setup or experiment');
      const result = await client.setQuota(team, kind, quota);
      if (opts.json) printJson(result);
      else process.stdout.write(`${quotaTable([result])}\n`);
    }),
  );

const teams = admin.command('teams').description('teams and their members');

teams
  .command('list', { isDefault: true })
  .option('--json', 'print one JSON object')
  .action(async (opts: { json?: boolean }) =>
    withClient(async (client) => {
      const list = await client.listTeams();
      if (opts.json) return printJson({ teams: list });
      process.stdout.write(`${table([['TEAM', 'MEMBERS', 'FROM'], ...list.map((t) => [t.name, t.members.join(', ') || '-', t.source])])}\n`);
    }),
  );

teams
  .command('create')
  .argument('<name>', 'team name')
  .option('--json', 'print one JSON object')
  .action(async (name: string, opts: { json?: boolean }) =>
    withClient(async (client) => {
      const team = await client.createTeam(name);
      if (opts.json) printJson(team);
      else process.stdout.write(`created team ${team.name}\n`);
    }),
  );

const members = admin.command('members').description("add or remove a team's members");

members
  .command('add')
  .argument('<team>', 'team name')
  .argument('<member>', 'member name')
  .option('--json', 'print one JSON object')
  .action(async (team: string, member: string, opts: { json?: boolean }) =>
    withClient(async (client) => {
      const added = await client.addMember(team, member);
      if (opts.json) return printJson(added);
      process.stdout.write(`added ${added.member} to ${added.team}; their token (shown only now):\n${added.token}\n`);
    }),
  );

members
  .command('remove')
  .argument('<team>', 'team name')
  .argument('<member>', 'member name')
  .option('--json', 'print one JSON object')
  .action(async (team: string, member: string, opts: { json?: boolean }) =>
    withClient(async (client) => {
      const t = await client.removeMember(team, member);
      if (opts.json) printJson(t);
      else process.stdout.write(`removed ${member} from ${t.name}\n`);
    }),
  );

const servers = admin.command('servers').description('the servers and their GPUs');

servers
  .command('list', { isDefault: true })
  .description('list servers, broken GPUs and drains')
  .option('--json', 'print one JSON object')
  .action(async (opts: { json?: boolean }) =>
    withClient(async (client) => {
      const calendar = await client.getCalendar();
      if (opts.json) return printJson({ servers: calendar.servers });
      process.stdout.write(`${serverTable(calendar.servers)}\n`);
    }),
  );

servers
  .command('add')
  .argument('<name>', 'server name, e.g. s4')
  .argument('<gpus>', 'number of GPUs', (v: string) => Number(v))
  .option('--json', 'print one JSON object')
  .action(async (name: string, gpus: number, opts: { json?: boolean }) => inventory({ type: 'add-server', name, gpus }, opts.json));

servers
  .command('remove')
  .argument('<name>', 'server name')
  .option('--json', 'print one JSON object')
  .action(async (name: string, opts: { json?: boolean }) => inventory({ type: 'remove-server', name }, opts.json));

admin
  .command('drain')
  .description('stop placing new jobs on a server (running ones finish)')
  .argument('<server>', 'server name')
  .option('--undo', 'end the drain')
  .option('--json', 'print one JSON object')
  .action(async (name: string, opts: { undo?: boolean; json?: boolean }) => inventory({ type: 'drain', name, drained: !opts.undo }, opts.json));

admin
  .command('gpu')
  .description('mark a GPU broken (its slots move to free GPUs where possible) or repaired')
  .addArgument(new Argument('<state>', 'broken or repaired').choices(['broken', 'repaired']))
  .argument('<gpu>', 'server:index, e.g. s1:2')
  .option('--json', 'print one JSON object')
  .action(async (state: string, gpu: string, opts: { json?: boolean }) => {
    const match = /^([^:]+):(\d+)$/.exec(gpu);
    if (!match) throw new UsageError(`"${gpu}" is not server:index, e.g. s1:2`);
    await inventory({ type: 'gpu', server: match[1], index: Number(match[2]), broken: state === 'broken' }, opts.json);
  });

async function inventory(change: InventoryChange, json?: boolean): Promise<void> {
  await withClient(async (client) => {
    const result = await client.updateInventory(change);
    if (json) return printJson(result);
    const lines = [serverTable(result.servers)];
    for (const slot of result.moved) lines.push(`moved ${slotLine(slot)}`);
    for (const slot of result.stranded) lines.push(`STRANDED (no free GPU pair for its days; move or cancel it) ${slotLine(slot)}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}

async function withClient(work: (client: GpulabClient) => Promise<void>): Promise<void> {
  const client = new GpulabClient();
  try {
    await work(client);
  } finally {
    client.close();
  }
}

function inputOption(opts: { input?: string; dataset?: string }): JobInputOption | undefined {
  if (opts.input && opts.dataset) throw new UsageError('give either --input or --dataset, not both');
  if (opts.dataset) return { dataset: opts.dataset };
  if (!opts.input) return undefined;
  if (existsSync(opts.input)) {
    const ext = extname(opts.input).toLowerCase();
    if (ext !== '.csv' && ext !== '.txt') throw new UsageError(`${opts.input}: only CSV files can be sent with a job for now`);
    return { csv: readFileSync(opts.input), filename: basename(opts.input) };
  }
  if (/[/\\.]/.test(opts.input)) throw new UsageError(`${opts.input}: no such file`);
  return { artifactId: opts.input };
}

async function follow(client: GpulabClient, id: string, json: boolean): Promise<void> {
  const display = new WatchDisplay();
  const job = await client.waitForJob(id, json ? undefined : (event) => display.show(event));
  display.stopBar();
  if (json) printJson(jobJson(job));
  else process.stdout.write(`${describeJob(job)}\n`);
  setExitForJob(job);
}

function setExitForJob(job: JobView): void {
  if (job.state !== 'SUCCEEDED' && job.state !== 'UNKNOWN' && isTerminalState(job.state)) {
    process.stderr.write(`job ${job.id} ${job.state}${job.reason ? `: ${job.reason}` : ''}\n`);
    process.exitCode = EXIT_JOB_FAILED;
  }
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

class UsageError extends Error {}

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof GpulabError) {
    process.stderr.write(`error: ${error.message} (${error.code})\n`);
  } else {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exitCode = EXIT_REFUSED;
});

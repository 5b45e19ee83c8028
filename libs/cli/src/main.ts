#!/usr/bin/env node
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import {
  ALL_JOB_STATES,
  DATA_FORMATS,
  type DataFormatName,
  GpulabError,
  GpulabClient,
  isTerminalState,
  type InventoryChange,
  type JobInputOption,
  type JobStateName,
  type JobView,
  type SlotKind,
} from '@gpulab/sdk';
import { calendarGrid, calendarPng, feasibilityText, quotaTable, serverTable, slotLine } from './calendar-format';
import { artifactTable, describeArtifact, describeJob, describeShape, formatBytes, jobJson, jobTable, shortTime, table, teamTable, uploadTable, usageLine } from './format';
import { parseSetValues } from './set-values';
import { FinishDisplay } from './finish-display';
import { TransferDisplay } from './transfer-display';
import { WatchDisplay } from './watch-display';
import { followWaitingReasons } from './waiting-reasons';
import { registerKindsCommand, submitKindsHelp } from './commands/kinds';

/** Exit codes: 0 success, 1 the job failed or was cancelled, 2 the request was refused. */
const EXIT_JOB_FAILED = 1;
const EXIT_REFUSED = 2;

const program = new Command()
  .name('gpulab')
  .description(
    'Submit and follow jobs on the course GPU cluster.\nAddress: GPULAB_ADDR (default localhost:50051); token: GPULAB_TOKEN (default: the local demo team).\n' +
      "TLS: GPULAB_TLS_CA (the course server's CA file), or GPULAB_TLS=1 (the system's CAs); client certificate: GPULAB_TLS_CLIENT_CERT and GPULAB_TLS_CLIENT_KEY.",
  )
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
  .action(async (kind: string, opts: { input?: string; dataset?: string; artifact?: string; set: string[]; gpus?: number; components?: number; wait?: boolean; json?: boolean; priority?: boolean; preemptible?: boolean }) => {
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

program
  .command('upload')
  .description(
    'upload once, use in many jobs: a data set (CSV, NumPy .npy or IDX) or a picture (PNG, JPEG) as --input ART_ID, a TensorFlow.js model (model.json) as --set model=ART_ID; e.g. gpulab upload train.csv --label-column label',
  )
  .argument('<file>', 'the data file, picture, or model.json')
  .option('--labels <file>', 'npy/idx data: a file with one class per row (npy, idx or a CSV column)')
  .option('--weights <file>', "model.json: its weights, when they are not the files its manifest names beside it (shards: give them concatenated)")
  .option('--label-column <name-or-n>', "csv data: the column with each row's class, by header name or 1-based number")
  .addOption(new Option('--format <format>', "the data file's format (default: from its name)").choices(DATA_FORMATS as string[]))
  .addOption(new Option('--labels-format <format>', "the labels file's format (default: from its name)").choices(DATA_FORMATS as string[]))
  .option('--resume <upload-id>', 'go on with an upload of the same file that stopped (up-…)')
  .option('--json', 'print one JSON object: the artifact')
  .action(
    async (
      file: string,
      opts: { labels?: string; weights?: string; labelColumn?: string; format?: DataFormatName; labelsFormat?: DataFormatName; resume?: string; json?: boolean },
    ) =>
      withClient(async (client) => {
        if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
        if (opts.labels && !existsSync(opts.labels)) throw new UsageError(`${opts.labels}: no such file`);
        if (opts.weights && !existsSync(opts.weights)) throw new UsageError(`${opts.weights}: no such file`);
        const display = new TransferDisplay('uploading');
        const finishing = new FinishDisplay();
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once('SIGINT', stop);
        let uploadId = opts.resume;
        let resumes = 0;
        let totalBytes = 0;
        const marks: Record<string, number> = { start: performance.now() };
        try {
          const artifact = await client.upload(
            file,
            {
              format: opts.format,
              labels: opts.labels,
              weights: opts.weights,
              labelColumn: opts.labelColumn,
              labelsFormat: opts.labelsFormat,
              resumeUploadId: opts.resume,
              signal: controller.signal,
            },
            (p) => {
              if (p.uploadId) uploadId = p.uploadId;
              totalBytes = p.totalBytes;
              marks[p.phase] ??= performance.now();
              if (p.resumes > resumes) {
                resumes = p.resumes;
                display.note(`the connection broke; going on from the ${formatBytes(p.sentBytes)} that arrived`);
              }
              if (p.phase === 'sending') display.update(p.sentBytes, p.totalBytes);
              if (p.phase === 'finishing' && !p.finishingMs) {
                display.update(p.totalBytes, p.totalBytes);
                display.stop();
              }
              if (p.phase === 'finishing' && !opts.json) finishing.update(p);
            },
          );
          finishing.stop();
          const done = performance.now();
          const sent = totalBytes;
          const sendSeconds = ((marks.finishing ?? done) - (marks.sending ?? marks.start)) / 1000;
          process.stderr.write(
            `sent ${formatBytes(sent)} in ${sendSeconds.toFixed(2)} s (${formatBytes(sent / Math.max(sendSeconds, 1e-3))}/s), stored in ${((done - (marks.finishing ?? done)) / 1000).toFixed(2)} s; ${((done - marks.start) / 1000).toFixed(2)} s in all\n`,
          );
          if (opts.json) printJson(artifact);
          else process.stdout.write(`${artifact.id}  ${artifact.filename}  ${describeShape(artifact)}\n`);
        } catch (error) {
          display.stop();
          finishing.stop();
          const e = error instanceof GpulabError ? error : undefined;
          if (e && uploadId && ['CANCELLED', 'UNAVAILABLE', 'DEADLINE_EXCEEDED', 'UNKNOWN', 'INTERNAL'].includes(e.code)) {
            const again = ['upload', file, ...(opts.labels ? ['--labels', opts.labels] : []), ...(opts.weights ? ['--weights', opts.weights] : []), '--resume', uploadId].join(' ');
            throw new GpulabError(e.code, e.grpcCode, `${e.message}. What arrived is kept for a while; go on with: gpulab ${again}`, { cause: e, reason: e.reason, metadata: e.metadata });
          }
          throw error;
        } finally {
          process.off('SIGINT', stop);
        }
      }),
  );

const artifacts = program.command('artifacts').description("your team's uploaded data sets, unfinished uploads and storage");

artifacts
  .command('list', { isDefault: true })
  .description('list artifacts and unfinished uploads, with the storage used and the limit')
  .option('--team <name>', 'tutors: one team')
  .option('--json', 'print one JSON object {artifacts, uploads, usage}')
  .action(async (opts: { team?: string; json?: boolean }) =>
    withClient(async (client) => {
      const listing = await client.listArtifacts(opts.team);
      if (opts.json) return printJson(listing);
      const showTeam = new Set(listing.artifacts.map((a) => a.team)).size > 1 || listing.usage.length > 1;
      const lines = [listing.artifacts.length ? artifactTable(listing.artifacts, showTeam) : 'no artifacts: "gpulab upload FILE" stores one'];
      if (listing.uploads.length) lines.push('', 'unfinished uploads (they count against the limit; "gpulab artifacts rm UPLOAD" drops one):', uploadTable(listing.uploads));
      if (listing.usage.length) lines.push('', ...listing.usage.map(usageLine));
      process.stdout.write(`${lines.join('\n')}\n`);
    }),
  );

artifacts
  .command('show')
  .description('one artifact')
  .argument('<id>', 'artifact id, art-…')
  .option('--json', 'print one JSON object')
  .action(async (id: string, opts: { json?: boolean }) =>
    withClient(async (client) => {
      const artifact = await client.getArtifact(id);
      if (opts.json) printJson(artifact);
      else process.stdout.write(`${describeArtifact(artifact)}\n`);
    }),
  );

artifacts
  .command('rm')
  .description('delete an artifact (art-…) or an unfinished upload (up-…) and free its space')
  .argument('<id>', 'artifact or upload id')
  .option('--json', 'print one JSON object')
  .action(async (id: string, opts: { json?: boolean }) =>
    withClient(async (client) => {
      if (/^up-/i.test(id.trim())) {
        await client.cancelUpload(id.trim());
        if (opts.json) return printJson({ cancelled: id.trim() });
        return void process.stdout.write(`cancelled upload ${id.trim()}; what it received is deleted\n`);
      }
      const { artifact, usage } = await client.deleteArtifact(id);
      if (opts.json) return printJson({ artifact, usage });
      process.stdout.write(`deleted ${artifact.id} (${artifact.filename}, ${formatBytes(artifact.storedBytes)})${usage ? `; ${usageLine(usage)}` : ''}\n`);
    }),
  );

program
  .command('result')
  .description("a finished job's result: printed as JSON, or with --out downloaded into a folder with every file it lists")
  .argument('<id>', 'job id')
  .option('--out <dir>', 'write result.json and the files the result lists into this folder')
  .option('--json', 'with --out: print one JSON object listing the files written')
  .action(async (id: string, opts: { out?: string; json?: boolean }) =>
    withClient(async (client) => {
      try {
        if (!opts.out) return printJson(await client.readResult(id));
        const display = new TransferDisplay('downloading');
        const files = await client.downloadResult(id, opts.out, (p) => display.update(p.receivedBytes, p.totalBytes, p.file)).finally(() => display.stop());
        if (opts.json) return printJson({ jobId: id, dir: resolve(opts.out), files });
        process.stdout.write(`${table([['FILE', 'SIZE', 'TYPE', 'WRITTEN TO'], ...files.map((f) => [f.name, formatBytes(f.bytes), f.contentType, f.path])])}\n`);
      } catch (error) {
        // A job that failed or was cancelled has no result: exit as for a failed job.
        if (error instanceof GpulabError && error.code === 'FAILED_PRECONDITION') {
          const job = await client.getJob(id).catch(() => undefined);
          if (job && job.state !== 'SUCCEEDED' && job.state !== 'UNKNOWN' && isTerminalState(job.state)) {
            process.stderr.write(`error: ${error.message} (${error.code})\n`);
            process.exitCode = EXIT_JOB_FAILED;
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
  .argument('<id>', 'job id')
  .option('--json', 'print one JSON object')
  .action(async (id: string, opts: { json?: boolean }) =>
    withClient(async (client) => {
      const deleted = await client.deleteJobOutputs(id);
      if (opts.json) return printJson(deleted);
      const what = deleted.alreadyDeleted
        ? `the outputs of ${deleted.jobId} were already deleted (on ${deleted.deletedAt} by ${deleted.deletedBy})`
        : `deleted the outputs of ${deleted.jobId} (${deleted.deletedFiles} files, ${formatBytes(deleted.freedBytes)})`;
      process.stdout.write(`${what}${deleted.usage ? `; ${usageLine(deleted.usage)}` : ''}\n`);
    }),
  );

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
      process.stdout.write(`${teamTable(list, new Date())}\n`);
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

const members = admin.command('members').description("add or remove a team's members, or give one a new token");

members
  .command('add')
  .argument('<team>', 'team name')
  .argument('<member>', 'member name')
  .option('--expires <duration>', 'the token stops working after this long: 12h, 30d, 120d (at most 400d)')
  .option('--json', 'print one JSON object')
  .action(async (team: string, member: string, opts: { expires?: string; json?: boolean }) =>
    withClient(async (client) => {
      const added = await client.addMember(team, member, { expiresIn: opts.expires });
      if (opts.json) return printJson(added);
      process.stdout.write(`added ${added.member} to ${added.team}; their token (shown only now${expiryClause(added.expiresAt)}):\n${added.token}\n${tokenHint(added.member)}\n`);
    }),
  );

members
  .command('rotate')
  .description('give a member a new token; the old one stops working and their open calls end')
  .argument('<team>', 'team name')
  .argument('<member>', 'member name')
  .option('--expires <duration>', 'the new token stops working after this long: 12h, 30d, 120d (at most 400d)')
  .option('--json', 'print one JSON object')
  .action(async (team: string, member: string, opts: { expires?: string; json?: boolean }) =>
    withClient(async (client) => {
      const rotated = await client.rotateMember(team, member, { expiresIn: opts.expires });
      if (opts.json) return printJson(rotated);
      process.stdout.write(`gave ${rotated.member} of ${rotated.team} a new token; the old one no longer works. The new token (shown only now${expiryClause(rotated.expiresAt)}):\n${rotated.token}\n${tokenHint(rotated.member)}\n`);
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

const expiryClause = (expiresAt: string) => (expiresAt ? `, it expires ${shortTime(expiresAt)}` : '');
const tokenHint = (member: string) => `give it to ${member} privately: they set GPULAB_TOKEN to it`;

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

function inputOption(opts: { input?: string; dataset?: string; artifact?: string }): JobInputOption | undefined {
  if ([opts.input, opts.dataset, opts.artifact].filter((v) => v !== undefined).length > 1) {
    throw new UsageError('give one of --input, --artifact and --dataset');
  }
  if (opts.dataset) return { dataset: opts.dataset };
  if (opts.artifact !== undefined) return { artifactId: opts.artifact.trim() };
  if (!opts.input) return undefined;
  if (existsSync(opts.input)) {
    const ext = extname(opts.input).toLowerCase();
    if (ext !== '.csv' && ext !== '.txt') {
      throw new UsageError(`${opts.input}: only CSV files can be sent with a job; upload other files first (gpulab upload ${opts.input}) and give the artifact id`);
    }
    return { csv: readFileSync(opts.input), filename: basename(opts.input) };
  }
  // Not a file: an artifact id is sent as one (the gateway says when it is not a valid one).
  if (/^art-/i.test(opts.input.trim())) return { artifactId: opts.input.trim() };
  throw new UsageError(`${opts.input}: no such file (artifact ids look like art-…; "gpulab artifacts" lists your team's)`);
}

async function follow(client: GpulabClient, id: string, json: boolean): Promise<void> {
  const display = new WatchDisplay();
  const waiting = json ? undefined : followWaitingReasons(() => client.getJob(id), (line) => display.note(line));
  const job = await client.waitForJob(id, json ? undefined : (event) => display.show(event)).finally(() => waiting?.stop());
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

/** True when the command line asked for JSON: then a refusal is printed as JSON on stdout too. */
function jsonWanted(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

registerKindsCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof GpulabError) {
    process.stderr.write(`error: ${error.message} (${error.code})\n`);
    // Scripts branch on `reason` (e.g. QUOTA_EXCEEDED), not on the sentence, which may change.
    if (jsonWanted(process.argv)) printJson({ code: error.code, reason: error.reason ?? null, message: error.message, metadata: error.metadata });
  } else {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exitCode = EXIT_REFUSED;
});

import { writeFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { type SlotKind } from '@gpulab/sdk';
import { calendarGrid, calendarPng, quotaTable, slotLine } from '../calendar-format';
import { type CliContext, printJson, withClient } from '../cli-context';
import { usageTable } from '../usage-format';

/** `slots show|book|cancel|move`, `quota` and `usage`: the term calendar and what a team has of it. */
export function registerSlotCommands(program: Command, ctx: CliContext): void {
  const slots = program.command('slots').description('the term calendar: who holds which GPUs when');

  slots
    .command('show', { isDefault: true })
    .description('print the calendar (days x GPU pairs)')
    .option('--all', 'from the first day of the term, not from today')
    .option('--png <file>', 'also draw the whole term to a PNG file')
    .option('--json', 'print one JSON object')
    .action(async (opts: { all?: boolean; json?: boolean; png?: string }) =>
      withClient(ctx, async (client) => {
        const calendar = await client.getCalendar();
        const [mine] = await client.getQuota().catch(() => []);
        if (opts.png) {
          writeFileSync(opts.png, calendarPng(calendar, mine?.team));
          ctx.stderr.write(`wrote ${opts.png}\n`);
        }
        if (opts.json) return printJson(ctx, calendar);
        ctx.stdout.write(`${calendarGrid(calendar, { from: opts.all ? undefined : calendar.term.today, myTeam: mine?.team })}\n`);
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
      withClient(ctx, async (client) => {
        const slot = await client.bookSlot({ kind: opts.kind, start: opts.start, server: opts.server, team: opts.team });
        if (opts.json) printJson(ctx, slot);
        else ctx.stdout.write(`booked ${slotLine(slot)}\n`);
      }),
    );

  slots
    .command('cancel')
    .description('cancel a slot that has not started; its quota comes back')
    .argument('<id>', 'slot id')
    .option('--json', 'print one JSON object')
    .action(async (id: string, opts: { json?: boolean }) =>
      withClient(ctx, async (client) => {
        const slot = await client.cancelSlot(id);
        if (opts.json) printJson(ctx, slot);
        else ctx.stdout.write(`cancelled ${slotLine(slot)}\n`);
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
      withClient(ctx, async (client) => {
        const slot = await client.moveSlot(id, opts.start, opts.server);
        if (opts.json) printJson(ctx, slot);
        else ctx.stdout.write(`moved ${slotLine(slot)}\n`);
      }),
    );

  program
    .command('quota')
    .description("what your team has booked, used and left (tutors: every team's)")
    .option('--team <name>', 'tutors: one team')
    .option('--json', 'print one JSON object')
    .action(async (opts: { team?: string; json?: boolean }) =>
      withClient(ctx, async (client) => {
        const quotas = await client.getQuota(opts.team);
        if (opts.json) printJson(ctx, { teams: quotas });
        else ctx.stdout.write(`${quotaTable(quotas)}\n`);
      }),
    );

  program
    .command('usage')
    .description('GPU-hours per team and day (your team; tutors: every team)')
    .option('--team <name>', 'tutors: one team')
    .option('--json', 'print one JSON object')
    .action(async (opts: { team?: string; json?: boolean }) =>
      withClient(ctx, async (client) => {
        const rows = await client.getUsage(opts.team);
        if (opts.json) return printJson(ctx, { rows });
        if (rows.length === 0) return void ctx.stdout.write('no GPU time used yet\n');
        ctx.stdout.write(`${usageTable(rows)}\n`);
      }),
    );
}

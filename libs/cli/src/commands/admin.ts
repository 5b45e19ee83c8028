import { Argument, type Command } from 'commander';
import { type InventoryChange } from '@gpulab/sdk';
import { feasibilityText, quotaTable, serverTable, slotLine } from '../calendar-format';
import { type CliContext, printJson, withClient } from '../cli-context';
import { shortTime, teamTable } from '../format';
import { UsageError } from '../usage-error';

/** `admin …`: the tutors' commands for quotas, teams, members and the servers. */
export function registerAdminCommands(program: Command, ctx: CliContext): void {
  const admin = program.command('admin').description('for tutors: quotas, teams and members, servers and GPUs');

  admin
    .command('feasibility')
    .description('can every team still place its remaining slots? with a suggestion')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) =>
      withClient(ctx, async (client) => {
        const report = await client.getFeasibility();
        if (opts.json) printJson(ctx, report);
        else ctx.stdout.write(`${feasibilityText(report)}\n`);
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
      withClient(ctx, async (client) => {
        if (kind !== 'setup' && kind !== 'experiment') throw new UsageError('kind must be setup or experiment');
        const result = await client.setQuota(team, kind, quota);
        if (opts.json) printJson(ctx, result);
        else ctx.stdout.write(`${quotaTable([result])}\n`);
      }),
    );

  registerTeamCommands(admin, ctx);
  registerServerCommands(admin, ctx);
}

function registerTeamCommands(admin: Command, ctx: CliContext): void {
  const teams = admin.command('teams').description('teams and their members');

  teams
    .command('list', { isDefault: true })
    .description('list the teams, their members and when their tokens expire')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) =>
      withClient(ctx, async (client) => {
        const list = await client.listTeams();
        if (opts.json) return printJson(ctx, { teams: list });
        ctx.stdout.write(`${teamTable(list, ctx.now())}\n`);
      }),
    );

  teams
    .command('create')
    .description('create a team with no members yet')
    .argument('<name>', 'team name')
    .option('--json', 'print one JSON object')
    .action(async (name: string, opts: { json?: boolean }) =>
      withClient(ctx, async (client) => {
        const team = await client.createTeam(name);
        if (opts.json) printJson(ctx, team);
        else ctx.stdout.write(`created team ${team.name}\n`);
      }),
    );

  const members = admin.command('members').description("add or remove a team's members, or give one a new token");

  members
    .command('add')
    .description('add a member to a team and print their token, once')
    .argument('<team>', 'team name')
    .argument('<member>', 'member name')
    .option('--expires <duration>', 'the token stops working after this long: 12h, 30d, 120d (at most 400d)')
    .option('--json', 'print one JSON object')
    .action(async (team: string, member: string, opts: { expires?: string; json?: boolean }) =>
      withClient(ctx, async (client) => {
        const added = await client.addMember(team, member, { expiresIn: opts.expires });
        if (opts.json) return printJson(ctx, added);
        ctx.stdout.write(`added ${added.member} to ${added.team}; their token (shown only now${expiryClause(added.expiresAt)}):\n${added.token}\n${tokenHint(added.member)}\n`);
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
      withClient(ctx, async (client) => {
        const rotated = await client.rotateMember(team, member, { expiresIn: opts.expires });
        if (opts.json) return printJson(ctx, rotated);
        ctx.stdout.write(
          `gave ${rotated.member} of ${rotated.team} a new token; the old one no longer works. The new token (shown only now${expiryClause(rotated.expiresAt)}):\n${rotated.token}\n${tokenHint(rotated.member)}\n`,
        );
      }),
    );

  members
    .command('remove')
    .description('remove a member from a team; their token stops working')
    .argument('<team>', 'team name')
    .argument('<member>', 'member name')
    .option('--json', 'print one JSON object')
    .action(async (team: string, member: string, opts: { json?: boolean }) =>
      withClient(ctx, async (client) => {
        const t = await client.removeMember(team, member);
        if (opts.json) printJson(ctx, t);
        else ctx.stdout.write(`removed ${member} from ${t.name}\n`);
      }),
    );
}

const expiryClause = (expiresAt: string) => (expiresAt ? `, it expires ${shortTime(expiresAt)}` : '');
const tokenHint = (member: string) => `give it to ${member} privately: they set GPULAB_TOKEN to it`;

function registerServerCommands(admin: Command, ctx: CliContext): void {
  const inventory = (change: InventoryChange, json?: boolean) =>
    withClient(ctx, async (client) => {
      const result = await client.updateInventory(change);
      if (json) return printJson(ctx, result);
      const lines = [serverTable(result.servers)];
      for (const slot of result.moved) lines.push(`moved ${slotLine(slot)}`);
      for (const slot of result.stranded) lines.push(`STRANDED (no free GPU pair for its days; move or cancel it) ${slotLine(slot)}`);
      ctx.stdout.write(`${lines.join('\n')}\n`);
    });

  const servers = admin.command('servers').description('the servers and their GPUs');

  servers
    .command('list', { isDefault: true })
    .description('list servers, broken GPUs and drains')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) =>
      withClient(ctx, async (client) => {
        const calendar = await client.getCalendar();
        if (opts.json) return printJson(ctx, { servers: calendar.servers });
        ctx.stdout.write(`${serverTable(calendar.servers)}\n`);
      }),
    );

  servers
    .command('add')
    .description('add a server with its GPUs; its pairs can be booked from now on')
    .argument('<name>', 'server name, e.g. s4')
    .argument('<gpus>', 'number of GPUs', (v: string) => Number(v))
    .option('--json', 'print one JSON object')
    .action(async (name: string, gpus: number, opts: { json?: boolean }) => inventory({ type: 'add-server', name, gpus }, opts.json));

  servers
    .command('remove')
    .description('remove a server from the inventory')
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
}

import { type Command } from 'commander';
import { type CliContext, printJson, withClient } from '../cli-context';
import { positiveInt } from '../option-parsers';

/** `notices`: what the cluster told a team, e.g. that a slot moved off a broken GPU. */
export function registerNoticeCommand(program: Command, ctx: CliContext): void {
  program
    .command('notices')
    .description('messages for your team (tutors: for the tutors), e.g. a slot moved off a broken GPU')
    .option('--limit <n>', 'at most this many', positiveInt('--limit'), 20)
    .option('--json', 'print one JSON object')
    .action(async (opts: { limit: number; json?: boolean }) =>
      withClient(ctx, async (client) => {
        const notices = await client.listNotices(opts.limit);
        if (opts.json) return printJson(ctx, { notices });
        ctx.stdout.write(notices.length ? `${notices.map((n) => `${n.time.replace('T', ' ').slice(0, 19)}  ${n.message}`).join('\n')}\n` : 'no notices\n');
      }),
    );
}

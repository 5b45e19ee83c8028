import { type Command } from 'commander';
import { type CliContext, printJson, timeOptions, withClient } from '../cli-context';
import { artifactTable, describeArtifact, formatBytes, uploadTable, usageLine } from '../format';

/** `artifacts list|show|rm`: the team's uploaded data sets, unfinished uploads and storage. */
export function registerArtifactCommands(program: Command, ctx: CliContext): void {
  const artifacts = program.command('artifacts').description("your team's uploaded data sets, unfinished uploads and storage");

  artifacts
    .command('list', { isDefault: true })
    .description('list artifacts and unfinished uploads, with the storage used and the limit')
    .option('--team <name>', 'tutors: one team')
    .option('--json', 'print one JSON object {artifacts, uploads, usage}')
    .action(async (opts: { team?: string; json?: boolean }) =>
      withClient(ctx, async (client) => {
        const listing = await client.listArtifacts(opts.team);
        if (opts.json) return printJson(ctx, listing);
        const showTeam = new Set(listing.artifacts.map((a) => a.team)).size > 1 || listing.usage.length > 1;
        const lines = [listing.artifacts.length ? artifactTable(listing.artifacts, showTeam, timeOptions(ctx)) : 'no artifacts: "gpulab upload FILE" stores one'];
        if (listing.uploads.length) lines.push('', 'unfinished uploads (they count against the limit; "gpulab artifacts rm UPLOAD" drops one):', uploadTable(listing.uploads, timeOptions(ctx)));
        if (listing.usage.length) lines.push('', ...listing.usage.map(usageLine));
        ctx.stdout.write(`${lines.join('\n')}\n`);
      }),
    );

  artifacts
    .command('show')
    .description('one artifact')
    .argument('<id>', 'artifact id, art-…')
    .option('--json', 'print one JSON object')
    .action(async (id: string, opts: { json?: boolean }) =>
      withClient(ctx, async (client) => {
        const artifact = await client.getArtifact(id);
        if (opts.json) printJson(ctx, artifact);
        else ctx.stdout.write(`${describeArtifact(artifact, timeOptions(ctx))}\n`);
      }),
    );

  artifacts
    .command('rm')
    .description('delete an artifact (art-…) or an unfinished upload (up-…) and free its space')
    .argument('<id>', 'artifact or upload id')
    .option('--json', 'print one JSON object')
    .action(async (id: string, opts: { json?: boolean }) =>
      withClient(ctx, async (client) => {
        if (/^up-/i.test(id.trim())) {
          await client.cancelUpload(id.trim());
          if (opts.json) return printJson(ctx, { cancelled: id.trim() });
          return void ctx.stdout.write(`cancelled upload ${id.trim()}; what it received is deleted\n`);
        }
        const { artifact, usage } = await client.deleteArtifact(id);
        if (opts.json) return printJson(ctx, { artifact, usage });
        ctx.stdout.write(`deleted ${artifact.id} (${artifact.filename}, ${formatBytes(artifact.storedBytes)})${usage ? `; ${usageLine(usage)}` : ''}\n`);
      }),
    );
}

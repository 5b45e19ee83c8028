import { type Command } from 'commander';
import { findJobKind, listJobKinds } from '@gpulab/jobs';
import { type CliContext } from '../cli-context';
import { kindJson, kindList, kindText } from '../kind-tables';
import { UsageError } from '../usage-error';

/**
 * `gpulab kinds [KIND]`: every job kind, or one, with its parameters (name, type, default,
 * meaning) from the kinds' own tables, so what it shows is what the gateway checks. Needs no
 * gateway: the registry is in this package's dependencies, and listing it loads no TensorFlow.js.
 */
export function registerKindsCommand(program: Command, ctx: CliContext): void {
  program
    .command('kinds')
    .description('the job kinds and their parameters (--set NAME=VALUE), e.g. gpulab kinds tsne')
    .argument('[kind]', 'one kind, e.g. pca')
    .option('--json', 'print JSON on stdout: one object with KIND, else an array')
    .action((name: string | undefined, opts: { json?: boolean }) => {
      const kinds = name === undefined ? listJobKinds() : [kindNamed(name)];
      if (opts.json) {
        const json = kinds.map(kindJson);
        ctx.stdout.write(`${JSON.stringify(name === undefined ? json : json[0], null, 2)}\n`);
        return;
      }
      ctx.stdout.write(`${kinds.map(kindText).join('\n\n')}\n`);
    });
}

/** What `submit --help` adds: the kinds, read only when the help is shown. */
export function submitKindsHelp(): string {
  return `\nJob kinds (parameters: gpulab kinds KIND):\n${kindList(listJobKinds())}\n`;
}

/** An unknown kind is the user's mistake, told as a usage error (exit 2) with the known kinds. */
function kindNamed(name: string): ReturnType<typeof findJobKind> {
  try {
    return findJobKind(name.trim());
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { GpulabError } from '@gpulab/sdk';
import { type CliContext, printJson } from './cli-context';
import { registerAdminCommands } from './commands/admin';
import { registerArtifactCommands } from './commands/artifacts';
import { registerCompletionCommand } from './commands/completion';
import { registerJobCommands } from './commands/jobs';
import { registerKindsCommand } from './commands/kinds';
import { registerLogsCommand } from './commands/logs';
import { registerRunCommand } from './commands/run';
import { registerNoticeCommand } from './commands/notices';
import { registerBenchCommands } from './commands/bench';
import { registerResultCommands } from './commands/results';
import { registerSlotCommands } from './commands/slots';
import { registerUploadCommand } from './commands/upload';
import { EXIT_CODES } from './exit-codes';

/** Adds one group of commands to the program; each lives in its own file under `commands/`. */
export type RegisterCommands = (program: Command, ctx: CliContext) => void;

/** Every command group, in the order `gpulab --help` lists them. */
export const COMMAND_GROUPS: readonly RegisterCommands[] = [
  registerJobCommands,
  registerRunCommand,
  registerLogsCommand,
  registerKindsCommand,
  registerResultCommands,
  registerUploadCommand,
  registerArtifactCommands,
  registerSlotCommands,
  registerNoticeCommand,
  registerBenchCommands,
  registerAdminCommands,
  registerCompletionCommand,
];

/** The package's version, as `gpulab --version` prints it. */
export const CLI_VERSION: string = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;

/**
 * The `gpulab` program with every command, writing to `ctx`'s streams. Commander's own exits
 * are turned into errors, so a test can run a command line in-process and read its status.
 */
export function buildProgram(ctx: CliContext, groups: readonly RegisterCommands[] = COMMAND_GROUPS): Command {
  const program = new Command()
    .name('gpulab')
    .description(
      'Submit and follow jobs on the course GPU cluster.\nAddress: GPULAB_ADDR (default localhost:50051); token: GPULAB_TOKEN (default: the local demo team).\n' +
        "TLS: GPULAB_TLS_CA (the course server's CA file), or GPULAB_TLS=1 (the system's CAs); client certificate: GPULAB_TLS_CLIENT_CERT and GPULAB_TLS_CLIENT_KEY.",
    )
    .version(CLI_VERSION, '-V, --version', 'print the version of gpulab')
    .showHelpAfterError()
    // Set before the commands are added: subcommands copy these settings when they are made.
    .exitOverride()
    .configureOutput({ writeOut: (s) => void ctx.stdout.write(s), writeErr: (s) => void ctx.stderr.write(s) });
  for (const register of groups) register(program, ctx);
  return program;
}

/**
 * Runs one command line (`args` without node and the script) and returns its exit status:
 * 0 success, 1 the job failed or was cancelled, 2 refused.
 */
export async function runCli(args: readonly string[], ctx: CliContext): Promise<number> {
  try {
    await buildProgram(ctx).parseAsync(args, { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    // Commander has printed its own message (or the help, or the version) already; a usage
    // error is a refusal, as the README says, not a failed job (which alone exits 1).
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.refused;
    reportRefusal(ctx, error, jsonWanted(args));
    return EXIT_CODES.refused;
  }
}

function reportRefusal(ctx: CliContext, error: unknown, json: boolean): void {
  if (error instanceof GpulabError) {
    ctx.stderr.write(`error: ${error.message} (${error.code})\n`);
    // Scripts branch on `reason` (e.g. QUOTA_EXCEEDED), not on the sentence, which may change.
    if (json) printJson(ctx, { code: error.code, reason: error.reason ?? null, message: error.message, metadata: error.metadata });
  } else {
    ctx.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

/** True when the command line asked for JSON: then a refusal is printed as JSON on stdout too. */
function jsonWanted(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

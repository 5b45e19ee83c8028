import { Argument, type Command } from 'commander';
import { type CliContext } from '../cli-context';
import { completionScript, SHELLS, type ShellName } from '../completion-script';

/** `completion bash|zsh|fish`: a script that completes gpulab's commands and options. */
export function registerCompletionCommand(program: Command, ctx: CliContext): void {
  program
    .command('completion')
    .description('print a shell script that completes gpulab commands and options, e.g. source <(gpulab completion bash)')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .action((shell: ShellName) => {
      // The root program, not this command: the script completes every command.
      let root = program;
      while (root.parent) root = root.parent;
      ctx.stdout.write(completionScript(root, shell));
    });
}

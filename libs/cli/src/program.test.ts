import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { type Command } from 'commander';
import { anyCaseChoice } from './option-parsers';
import { buildProgram, CLI_VERSION, runCli } from './program';
import { completionScript } from './completion-script';
import { capturedContext } from './testing/captured-context';

function everyCommand(command: Command, path = 'gpulab'): { path: string; command: Command }[] {
  return [{ path, command }, ...command.commands.filter((c) => c.name() !== 'help').flatMap((c) => everyCommand(c, `${path} ${c.name()}`))];
}

describe('the gpulab program', () => {
  it('gives every command and subcommand a description', () => {
    const missing = everyCommand(buildProgram(capturedContext())).filter(({ command }) => !command.description());
    assert.deepEqual(missing.map((m) => m.path), []);
  });

  it('prints its version with --version and exits 0', async () => {
    const ctx = capturedContext();
    assert.equal(await runCli(['--version'], ctx), 0);
    assert.equal(ctx.out(), `${CLI_VERSION}\n`);
  });

  it('exits 2 for a usage error, as for a refusal, and says what was wrong', async () => {
    for (const args of [['jobs', '--bogus'], ['get'], ['jobs', '--state', 'sleeping'], ['submit', 'pca', '--set', 'rows=0x5'], ['completion', 'tcsh']]) {
      const ctx = capturedContext();
      assert.equal(await runCli(args, ctx), 2, args.join(' '));
      assert.match(ctx.err(), /error/, args.join(' '));
      assert.doesNotMatch(ctx.err(), /before it connects/, args.join(' '));
    }
  });

  it('refuses a parameter given by --set and by its shorthand flag, naming both', async () => {
    const ctx = capturedContext();
    assert.equal(await runCli(['submit', 'pca', '--set', 'components=2', '--components', '1'], ctx), 2);
    assert.match(ctx.err(), /components is given twice: --set components=2 and --components 1/);
  });

  it('lists the job kinds with their parameters in-process, in submit --help too, and refuses an unknown kind with exit 2', async () => {
    const all = capturedContext();
    assert.equal(await runCli(['kinds'], all), 0);
    for (const kind of ['pca', 'tsne', 'train-classifier']) assert.match(all.out(), new RegExp(`^${kind}\\b`, 'm'));
    const one = capturedContext();
    assert.equal(await runCli(['kinds', 'pca'], one), 0);
    assert.match(one.out(), /components/);
    assert.doesNotMatch(one.out(), /\[object Object\]/);
    const help = capturedContext();
    await runCli(['submit', '--help'], help);
    assert.match(help.out(), /Job kinds \(parameters: gpulab kinds KIND\)/);
    const unknown = capturedContext();
    assert.equal(await runCli(['kinds', 'nope'], unknown), 2);
    assert.match(unknown.err(), /nope/);
  });

  it('takes job states in any case', () => {
    assert.deepEqual(anyCaseChoice(['QUEUED', 'RUNNING'])('running', undefined), ['RUNNING']);
    assert.deepEqual(anyCaseChoice(['QUEUED', 'RUNNING'])('Queued', ['RUNNING']), ['RUNNING', 'QUEUED']);
  });
});

describe('gpulab completion', () => {
  const program = buildProgram(capturedContext());

  /** What bash offers after `words`, with the last word being completed. */
  function bashCompletes(words: string[]): string[] {
    const script = `${completionScript(program, 'bash')}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _gpulab; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const run = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    return run.stdout.split('\n').filter(Boolean);
  }

  it("completes bash's commands, nested subcommands and a command's options from the program itself", () => {
    assert.deepEqual(bashCompletes(['gpulab', 'art']), ['artifacts']);
    assert.deepEqual(bashCompletes(['gpulab', 'admin', 'members', '']), ['add', 'rotate', 'remove']);
    assert.deepEqual(bashCompletes(['gpulab', 'submit', 'pca', '--comp']), ['--components']);
  });

  it('writes zsh a script on top of bashcompinit and fish one complete line per command and option', () => {
    assert.match(completionScript(program, 'zsh'), /^autoload -U \+X bashcompinit && bashcompinit\n/);
    const fish = completionScript(program, 'fish');
    assert.match(fish, /^complete -c gpulab -n '__gpulab_at \\'admin members\\'' -a rotate -d 'give a member a new token; the old one stops working and their open calls end'$/m);
    assert.match(fish, /^complete -c gpulab -n '__gpulab_at \\'jobs\\'' -l state -d /m);
  });
});

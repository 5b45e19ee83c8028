import { type Command } from 'commander';

/** The shells `gpulab completion` writes a script for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type ShellName = (typeof SHELLS)[number];

/** One command of the tree: its words from the root ('' for the root), subcommands and options. */
interface CommandNode {
  path: string;
  description: string;
  subcommands: { name: string; description: string }[];
  options: { flag: string; description: string }[];
}

/**
 * A completion script generated from the commander program itself, so a command added to the
 * program completes without editing a script by hand. bash and zsh share one (zsh through its
 * bashcompinit); fish gets its own `complete` lines with descriptions.
 */
export function completionScript(program: Command, shell: ShellName): string {
  const nodes = commandNodes(program);
  return shell === 'fish' ? fishScript(program.name(), nodes) : bashScript(program.name(), nodes, shell === 'zsh');
}

/** Every command of the tree, the root first, with its visible subcommands and long options. */
export function commandNodes(program: Command): CommandNode[] {
  const nodes: CommandNode[] = [];
  const visit = (command: Command, path: string) => {
    const subcommands = command.commands.filter((c) => c.name() !== 'help');
    nodes.push({
      path,
      description: command.description(),
      subcommands: subcommands.map((c) => ({ name: c.name(), description: firstLine(c.description()) })),
      options: [...command.options.filter((o) => o.long && !o.hidden).map((o) => ({ flag: o.long as string, description: firstLine(o.description) })), { flag: '--help', description: 'display help' }],
    });
    for (const c of subcommands) visit(c, path ? `${path} ${c.name()}` : c.name());
  };
  visit(program, '');
  return nodes;
}

function bashScript(name: string, nodes: readonly CommandNode[], zsh: boolean): string {
  const fn = `_${name.replace(/\W/g, '_')}`;
  const cases = (pick: (n: CommandNode) => string[]) => nodes.map((n) => `    "${n.path}") echo "${pick(n).join(' ')}" ;;`).join('\n');
  return `${zsh ? 'autoload -U +X bashcompinit && bashcompinit\n' : ''}# ${name} completion: source <(${name} completion ${zsh ? 'zsh' : 'bash'})
${fn}_subcommands() {
  case "$1" in
${cases((n) => n.subcommands.map((s) => s.name))}
  esac
}
${fn}_options() {
  case "$1" in
${cases((n) => n.options.map((o) => o.flag))}
  esac
}
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" w
  for w in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    if [[ " $(${fn}_subcommands "$path") " == *" $w "* ]]; then path="\${path:+$path }$w"; fi
  done
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(${fn}_options "$path")" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(${fn}_subcommands "$path")" -- "$cur"))
  fi
}
complete -o default -F ${fn} ${name}
`;
}

function fishScript(name: string, nodes: readonly CommandNode[]): string {
  const fn = `__${name.replace(/\W/g, '_')}`;
  const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const lines = [
    `# ${name} completion: ${name} completion fish | source`,
    `function ${fn}_subcommands`,
    '  switch "$argv[1]"',
    ...nodes.flatMap((n) => [`    case ${quote(n.path)}`, `      printf '%s\\n' ${n.subcommands.map((s) => s.name).join(' ')}`]),
    '  end',
    'end',
    `function ${fn}_at`,
    '  set -l words (commandline -opc)',
    '  set -e words[1]',
    "  set -l path ''",
    '  for w in $words',
    `    if contains -- $w (${fn}_subcommands "$path")`,
    '      set path (string trim -- "$path $w")',
    '    end',
    '  end',
    '  test "$path" = "$argv[1]"',
    'end',
    `complete -c ${name} -f`,
    ...nodes.flatMap((n) => [
      ...n.subcommands.map((s) => `complete -c ${name} -n ${quote(`${fn}_at ${quote(n.path)}`)} -a ${s.name} -d ${quote(s.description)}`),
      ...n.options.map((o) => `complete -c ${name} -n ${quote(`${fn}_at ${quote(n.path)}`)} -l ${o.flag.replace(/^--/, '')} -d ${quote(o.description)}`),
    ]),
  ];
  return `${lines.join('\n')}\n`;
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}

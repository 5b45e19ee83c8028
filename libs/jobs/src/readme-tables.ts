import type * as Compute from '@gpulab/compute';
import { compute } from './lazy-packages';
import { listJobKinds, type RegisteredJobKind } from './job-kinds';

/** A kind's parameter table as Markdown, as README.md shows it between the kind's markers. */
export function kindMarkdownTable(kind: RegisteredJobKind): string {
  const rows: Compute.ParamRow[] = compute().paramRows(kind.params);
  if (rows.length === 0) return `\`${kind.name}\` takes no parameters.`;
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  return [
    '| parameter | type | default | meaning |',
    '|---|---|---|---|',
    ...rows.map((r) => `| \`${r.name}\` | ${cell(r.type)} | ${cell(r.default)} | ${cell(r.meaning)} |`),
  ].join('\n');
}

/**
 * README.md with every `<!-- kinds:NAME -->…<!-- /kinds:NAME -->` section rewritten from the
 * kind's table, so the README cannot drift from what the gateway checks. A marker naming no kind
 * is an error, not left stale.
 */
export function updateKindTables(readme: string): string {
  const kinds = new Map(listJobKinds().map((k) => [k.name, k]));
  return readme.replace(/<!-- kinds:([\w-]+) -->[\s\S]*?<!-- \/kinds:\1 -->/g, (_, name: string) => {
    const kind = kinds.get(name);
    if (!kind) throw new Error(`README.md has a table for ${name}, which is no job kind`);
    return `<!-- kinds:${name} -->\n${kindMarkdownTable(kind)}\n<!-- /kinds:${name} -->`;
  });
}

/** The kinds README.md has a generated table for. */
export function kindTablesIn(readme: string): string[] {
  return [...readme.matchAll(/<!-- kinds:([\w-]+) -->/g)].map((m) => m[1]);
}

import { paramRows, type ParamSpec } from '@gpulab/compute';
import { type RegisteredJobKind } from '@gpulab/jobs';
import { table } from './format';

/** A kind as `gpulab kinds --json` prints it: its parameter table as the registry holds it. */
export interface KindJson {
  name: string;
  summary: string;
  input: 'matrix' | 'none';
  tutorsOnly: boolean;
  params: ParamSpec[];
}

export function kindJson(kind: RegisteredJobKind): KindJson {
  return { name: kind.name, summary: kind.summary, input: kind.input, tutorsOnly: kind.tutorsOnly === true, params: [...kind.params] };
}

/** One kind for a terminal: its name and summary, what it reads, and its parameters as a table. */
export function kindText(kind: RegisteredJobKind): string {
  const input = kind.input === 'matrix' ? 'reads data: --input FILE or ARTIFACT_ID, or --dataset NAME' : 'reads no data';
  const lines = [`${kind.name}: ${kind.summary}`, `  ${input}`];
  const rows = paramRows(kind.params);
  if (rows.length === 0) lines.push('  no parameters');
  else {
    const text = table([['parameter', 'type', 'default', 'meaning'], ...rows.map((r) => [r.name, r.type, r.default, r.meaning])]);
    lines.push(...text.split('\n').map((line) => `  ${line}`));
  }
  return lines.join('\n');
}

/** The kinds by name with their summaries, for `submit --help`. */
export function kindList(kinds: readonly RegisteredJobKind[]): string {
  return table(kinds.map((k) => [`  ${k.name}`, k.summary]));
}

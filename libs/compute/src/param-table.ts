import { InvalidParameterError } from './errors';
import { quoteInput } from '@gpulab/contracts';

/** What a parameter's value is: `artifact` is the id of an uploaded artifact or of a job's output. */
export type ParamType = 'number' | 'integer' | 'boolean' | 'string' | 'artifact' | 'enum' | 'list';

/** One parameter a job kind takes, as `gpulab kinds` and the README show it. */
export interface ParamSpec {
  name: string;
  type: ParamType;
  /** The words an `enum` takes. */
  values?: readonly string[];
  /**
   * The value when the parameter is not given; a phrase where it depends on the input or on the
   * technique ("all rows", "the first convolution"); absent where the parameter is required.
   */
  default?: number | string | boolean;
  /** Inclusive bounds, where they do not depend on the input. */
  min?: number;
  max?: number;
  meaning: string;
}

/** Every parameter of a kind, in the order they are shown. */
export type ParamTable = readonly ParamSpec[];

/** One row of a parameter table as text: what the CLI and the README print. */
export interface ParamRow {
  name: string;
  type: string;
  default: string;
  meaning: string;
}

/** Refuses parameters the kind's table does not have, naming the ones it does. */
export function rejectUnknownParams(kind: string, params: Record<string, unknown>, table: ParamTable): void {
  const known = table.map((p) => p.name);
  const unknown = Object.keys(params).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new InvalidParameterError(
      unknown[0],
      `${kind} has no parameter ${quoteInput(unknown[0])}; its parameters are: ${known.join(', ')}`,
    );
  }
}

/** The entry of `name` in a table; a kind naming a parameter its table lacks is a build mistake. */
export function paramSpec(table: ParamTable, name: string): ParamSpec {
  const spec = table.find((p) => p.name === name);
  if (!spec) throw new Error(`the parameter table has no ${name}`);
  return spec;
}

/** The table as text rows: the type with its values or range, the default, the meaning. */
export function paramRows(table: ParamTable): ParamRow[] {
  return table.map((p) => ({ name: p.name, type: typeText(p), default: p.default === undefined ? '(required)' : String(p.default), meaning: p.meaning }));
}

function typeText(p: ParamSpec): string {
  if (p.type === 'enum') return (p.values ?? []).join(' | ');
  const min = p.min === Number.MIN_VALUE ? '> 0' : bounded(p.min) ? `≥ ${p.min}` : undefined;
  const max = bounded(p.max) ? `≤ ${p.max}` : undefined;
  if (min && max && p.min !== Number.MIN_VALUE) return `${p.type} ${p.min}..${p.max}`;
  return [p.type, min, max].filter(Boolean).join(' ');
}

/** Bounds that only say "any number" are left out. */
function bounded(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value) && Math.abs(value) < Number.MAX_SAFE_INTEGER;
}

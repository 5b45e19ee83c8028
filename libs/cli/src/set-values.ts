import { UsageError } from './usage-error';

/** Decimal numbers, as JSON and people write them: 2, -0.5, 1e-3, .5. */
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
/** Numbers in other notations, which Number() would read but a person may not mean: 0x5, 0o7, 0b1, 1_000. */
const OTHER_NOTATION = /^[-+]?(0[xob][0-9a-f_]+|\d+(_\d+)+(\.\d+)?)$/i;

/**
 * Reads `--set key=value` pairs. Decimal numbers and `true`/`false` become those, so
 * `--set components=2` reaches the job as the number 2; other text stays a string. Refused,
 * naming the pair: no key, no value, a number in another notation (`rows=0x5`), a key twice.
 */
export function parseSetValues(pairs: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  const given: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set ${pair}: expected key=value`);
    const key = pair.slice(0, eq).trim();
    if (key in given) throw new UsageError(`${key} is given twice: --set ${given[key]} and --set ${pair}; give it once`);
    given[key] = pair;
    params[key] = parseValue(pair, pair.slice(eq + 1).trim());
  }
  return params;
}

/**
 * Adds a flag that is shorthand for `--set key=…` (`--components 1`), refused when `--set`
 * gave the same key, naming both, rather than one silently winning.
 */
export function addShorthand(params: Record<string, unknown>, key: string, value: unknown, flag: string): void {
  if (value === undefined) return;
  if (key in params) throw new UsageError(`${key} is given twice: --set ${key}=${String(params[key])} and ${flag} ${String(value)}; give it once`);
  params[key] = value;
}

function parseValue(pair: string, raw: string): unknown {
  if (raw === '') throw new UsageError(`--set ${pair}: no value; give one, or leave the key out for its default`);
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (OTHER_NOTATION.test(raw)) throw new UsageError(`--set ${pair}: write numbers in decimal (e.g. ${Number(raw.replace(/_/g, ''))}); values are decimal numbers, true/false, or text`);
  if (DECIMAL.test(raw)) return Number(raw);
  return raw;
}

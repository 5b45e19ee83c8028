/**
 * Reads `--set key=value` pairs. Values that look like numbers or booleans become those, so
 * `--set components=2` reaches the job as the number 2; quote-free strings stay strings.
 */
export function parseSetValues(pairs: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--set ${pair}: expected key=value`);
    params[pair.slice(0, eq).trim()] = parseValue(pair.slice(eq + 1).trim());
  }
  return params;
}

function parseValue(raw: string): unknown {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw !== '' && /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(raw)) return Number(raw);
  return raw;
}

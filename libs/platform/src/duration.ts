const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Reads a friendly duration (`'120s'`, `'5m'`, `'250ms'`, or a number of ms) for options.
 * Throws naming the field so a bad configuration says which setting is wrong.
 */
export function parseDurationMs(value: string | number, field: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value;
  } else {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(value);
    if (match) return Math.round(Number(match[1]) * UNITS_MS[match[2] ?? 'ms']);
  }
  throw new Error(`${field}: "${value}" is not a duration (examples: 250ms, 30s, 5m)`);
}

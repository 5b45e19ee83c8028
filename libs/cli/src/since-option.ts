import { UsageError } from './usage-error';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The moment a `--since` means: a span back from `now` (`90s`, `10m`, `2h`, `1d`, also `1h30m`)
 * or a moment as ISO 8601 (`2026-12-03T14:05:00Z`, `2026-12-03`). A bare number is refused: it
 * could mean seconds or minutes, and a wrong guess would hide output.
 */
export function parseSince(value: string, now: Date): Date {
  const text = value.trim();
  const span = /^(?:\d+(?:\.\d+)?[smhd])+$/.test(text) ? spanMs(text) : undefined;
  if (span !== undefined) return new Date(now.getTime() - span);
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const at = Date.parse(text);
    if (Number.isFinite(at)) return new Date(at);
  }
  throw new UsageError(`--since ${JSON.stringify(value.slice(0, 40))} is neither a span back from now (30s, 10m, 2h, 1d) nor a time (2026-12-03T14:05:00Z)`);
}

function spanMs(text: string): number {
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)([smhd])/g)) total += Number(amount) * UNIT_MS[unit];
  return Math.round(total);
}

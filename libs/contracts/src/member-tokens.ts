/** The rules of a member token's lifetime and hash, shared by the gateway and the scheduler. */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A token may be given at most this long; a longer course can rotate. */
export const MAX_TOKEN_LIFETIME_DAYS = 400;
export const MAX_TOKEN_LIFETIME_MS = MAX_TOKEN_LIFETIME_DAYS * DAY_MS;
/** Shorter lifetimes would expire before a student could use them. */
export const MIN_TOKEN_LIFETIME_MS = HOUR_MS;

/** What `tokenHash` yields; it travels inside a KV key, so nothing else is accepted. */
export const TOKEN_HASH_PATTERN = /^[0-9a-f]{64}$/;

const LIFETIME = /^(\d{1,6})\s*(h|d)$/;
const UNIT_MS = { h: HOUR_MS, d: DAY_MS } as const;

export type LifetimeParse = { ok: true; ms: number } | { ok: false; message: string };

/**
 * A token's lifetime as a tutor writes it: whole hours or days, e.g. "12h", "30d", "120d",
 * from 1 hour to 400 days. The message of a refusal quotes at most a short input.
 */
export function parseTokenLifetime(text: string): LifetimeParse {
  const trimmed = text.trim().toLowerCase();
  const shown = trimmed.length <= 16 ? `"${trimmed}"` : 'that';
  const match = LIFETIME.exec(trimmed);
  if (!match) return { ok: false, message: `${shown} is not a token lifetime: give whole hours or days, e.g. 12h, 30d or 120d` };
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (ms < MIN_TOKEN_LIFETIME_MS) return { ok: false, message: `a token lifetime is at least 1h, not ${shown}` };
  if (ms > MAX_TOKEN_LIFETIME_MS) return { ok: false, message: `a token lifetime is at most ${MAX_TOKEN_LIFETIME_DAYS}d, not ${shown}` };
  return { ok: true, ms };
}

/** Whether a lifetime sent over NATS is one `parseTokenLifetime` could have produced. */
export function isTokenLifetimeMs(ms: unknown): ms is number {
  return typeof ms === 'number' && Number.isInteger(ms) && ms >= MIN_TOKEN_LIFETIME_MS && ms <= MAX_TOKEN_LIFETIME_MS;
}

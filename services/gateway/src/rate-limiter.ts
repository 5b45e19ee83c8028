/**
 * Token buckets per caller and per group of RPCs, as Slurm's `rl_*` settings: each bucket holds
 * at most `burst` calls and refills at `perSecond`; a call takes one or is refused with the time
 * until one is back. Pure: the caller passes the time, so tests need no clock.
 */

/**
 * `unauthenticated` is not a group of RPCs: its buckets are per remote address and count the
 * calls of any RPC that came without a valid token, which no per-token bucket can hold back.
 */
export const RATE_LIMIT_GROUPS = ['read', 'submit', 'upload', 'admin', 'unauthenticated'] as const;
export type RateLimitGroup = (typeof RATE_LIMIT_GROUPS)[number];

export interface RateLimit {
  /** Calls per second, refilled continuously. 0: no limit for this group. */
  perSecond: number;
  /** Calls that may come at once after a quiet while. */
  burst: number;
}

export type RateLimits = Record<RateLimitGroup, RateLimit>;

/**
 * Far above what a student does by hand or a course script does in a loop (the CLI's --wait
 * follows a stream, it does not poll): only a runaway loop or a deliberate flood meets them.
 * A burst lets a script list and fetch a whole page of results at once.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  read: { perSecond: 50, burst: 200 },
  submit: { perSecond: 20, burst: 100 },
  upload: { perSecond: 10, burst: 50 },
  admin: { perSecond: 20, burst: 100 },
  // A person mistyping a token, or a script started with a stale one, stays far below this.
  unauthenticated: { perSecond: 5, burst: 30 },
};

/** What the refusal calls a group's calls, as in "too many submissions from this token". */
const GROUP_NOUNS: Record<RateLimitGroup, string> = {
  read: 'requests',
  submit: 'submissions and changes',
  upload: 'upload and download calls',
  admin: 'admin calls',
  unauthenticated: 'calls without a valid token',
};

/** Whose calls a group's buckets count. */
const GROUP_SOURCES: Record<RateLimitGroup, string> = {
  read: 'this token',
  submit: 'this token',
  upload: 'this token',
  admin: 'this token',
  unauthenticated: 'this address',
};

export type Admission = { ok: true } | { ok: false; retryAfterMs: number; message: string };

interface Bucket {
  tokens: number;
  atMs: number;
}

/** How often idle buckets are looked for. */
const SWEEP_EVERY_MS = 60_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweepMs = 0;

  constructor(private readonly limits: RateLimits = DEFAULT_RATE_LIMITS) {}

  /** Takes one call from `key`'s bucket of `group` at time `nowMs`. */
  take(key: string, group: RateLimitGroup, nowMs: number): Admission {
    const limit = this.limits[group];
    if (!(limit.perSecond > 0)) return { ok: true };
    this.sweep(nowMs);
    const id = `${group}\u0000${key}`;
    const bucket = this.buckets.get(id) ?? { tokens: limit.burst, atMs: nowMs };
    const tokens = Math.min(limit.burst, bucket.tokens + (Math.max(0, nowMs - bucket.atMs) * limit.perSecond) / 1000);
    if (tokens >= 1) {
      this.buckets.set(id, { tokens: tokens - 1, atMs: nowMs });
      return { ok: true };
    }
    this.buckets.set(id, { tokens, atMs: nowMs });
    const retryAfterMs = Math.ceil(((1 - tokens) * 1000) / limit.perSecond);
    return { ok: false, retryAfterMs, message: refusal(group, limit, retryAfterMs) };
  }

  /** Whether `key`'s bucket of `group` has a call left at `nowMs`, without taking it. */
  peek(key: string, group: RateLimitGroup, nowMs: number): Admission {
    const limit = this.limits[group];
    const bucket = this.buckets.get(`${group}\u0000${key}`);
    if (!(limit.perSecond > 0) || !bucket) return { ok: true };
    const tokens = Math.min(limit.burst, bucket.tokens + (Math.max(0, nowMs - bucket.atMs) * limit.perSecond) / 1000);
    if (tokens >= 1) return { ok: true };
    const retryAfterMs = Math.ceil(((1 - tokens) * 1000) / limit.perSecond);
    return { ok: false, retryAfterMs, message: refusal(group, limit, retryAfterMs) };
  }

  /** Buckets held now (for tests of the eviction). */
  get size(): number {
    return this.buckets.size;
  }

  /**
   * A bucket that has refilled is the same as none: it is dropped, so memory follows the callers
   * active in the last few seconds, not every token ever seen.
   */
  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < SWEEP_EVERY_MS) return;
    this.lastSweepMs = nowMs;
    for (const [id, bucket] of this.buckets) {
      const limit = this.limits[id.slice(0, id.indexOf('\u0000')) as RateLimitGroup];
      if (bucket.tokens + ((nowMs - bucket.atMs) * limit.perSecond) / 1000 >= limit.burst) this.buckets.delete(id);
    }
  }
}

function refusal(group: RateLimitGroup, limit: RateLimit, retryAfterMs: number): string {
  const wait = retryAfterMs < 10_000 ? (Math.max(retryAfterMs, 100) / 1000).toFixed(1) : String(Math.ceil(retryAfterMs / 1000));
  return `too many ${GROUP_NOUNS[group]} from ${GROUP_SOURCES[group]}: ${formatRate(limit.perSecond)} per second (bursts of ${limit.burst}); try again in ${wait} s`;
}

/**
 * The remote address of a gRPC peer ("ipv4:10.0.0.7:51234", "ipv6:[::1]:51234") without its
 * port: a client that opens a new connection per call gets a new port each time, not a new bucket.
 */
export function peerAddress(peer: string): string {
  const ipv6 = /^ipv6:\[([^\]]*)\](?::\d+)?$/.exec(peer);
  if (ipv6) return ipv6[1];
  const ipv4 = /^ipv4:([^:]+)(?::\d+)?$/.exec(peer);
  if (ipv4) return ipv4[1];
  return peer;
}

function formatRate(perSecond: number): string {
  return Number.isInteger(perSecond) ? String(perSecond) : perSecond.toFixed(2).replace(/0+$/, '');
}

/**
 * Open streams per caller, e.g. WatchJob: each one holds a consumer on the event stream, so a
 * thousand from one token cost everyone. `open` says whether one more fits; `close` gives it back.
 */
export class OpenStreamCounter {
  private readonly open = new Map<string, number>();

  constructor(readonly maxPerKey: number) {}

  tryOpen(key: string): boolean {
    const count = this.open.get(key) ?? 0;
    if (count >= this.maxPerKey) return false;
    this.open.set(key, count + 1);
    return true;
  }

  close(key: string): void {
    const count = (this.open.get(key) ?? 0) - 1;
    // No entry for a caller with nothing open: memory follows open streams only.
    if (count <= 0) this.open.delete(key);
    else this.open.set(key, count);
  }

  count(key: string): number {
    return this.open.get(key) ?? 0;
  }
}

/**
 * What went wrong with one renewal of the leader lease:
 * - `conflict`: the compare-and-set was refused because another holder wrote the record since
 *   (a standby took the lease over);
 * - `unreachable`: no answer (a timeout, a disconnect, nats-server restarting, a stalled
 *   connection): the lease may well still be ours.
 */
export type RenewalFailure = 'conflict' | 'unreachable';

export type LeaseDecision =
  | { action: 'keep' }
  /** Try again soon; until `safeUntilMs` no standby can have taken the lease. */
  | { action: 'retry'; safeUntilMs: number }
  /** Stop acting as leader now: `taken` by another holder, or `expired` while unreachable. */
  | { action: 'lost'; reason: 'taken' | 'expired' };

export interface RenewalResult {
  /** When the last renewal that succeeded was sent (its expiry is this plus the lease length). */
  lastRenewedAtMs: number;
  leaseMs: number;
  nowMs: number;
  /** Undefined when the renewal succeeded. */
  failure?: RenewalFailure;
}

/**
 * A leader keeps acting only while no standby can have taken over. A standby takes the lease once
 * the expiry of the last renewal has passed, so a leader that cannot reach the store keeps
 * retrying until shortly before that expiry; the margin covers clocks that drift apart and the
 * time between deciding and stopping.
 */
export function decideAfterRenewal(result: RenewalResult): LeaseDecision {
  if (result.failure === undefined) return { action: 'keep' };
  if (result.failure === 'conflict') return { action: 'lost', reason: 'taken' };
  const safeUntilMs = result.lastRenewedAtMs + result.leaseMs - safetyMarginMs(result.leaseMs);
  return result.nowMs < safeUntilMs ? { action: 'retry', safeUntilMs } : { action: 'lost', reason: 'expired' };
}

/** A tenth of the lease, at least 50 ms. */
export function safetyMarginMs(leaseMs: number): number {
  return Math.max(Math.floor(leaseMs / 10), 50);
}

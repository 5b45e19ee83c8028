import { type KV } from '@nats-io/kv';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { type Clock } from './clock';
import { decideAfterRenewal, type RenewalFailure } from './lease-decision';

const KEY = 'leader';

interface LeaseValue {
  holder: string;
  /** ms since epoch. */
  expiresAt: number;
}

export type LeaseLossReason = 'taken' | 'expired';

export interface LeaderLeaseOptions {
  /** Who this process is, e.g. `scheduler-<host>-<pid>`. */
  holder: string;
  /** How long a lease lasts without renewal. */
  leaseMs: number;
  /** How often a standby looks at the lease. */
  pollMs?: number;
}

/**
 * One active scheduler at a time: the leader holds a lease in KV and renews it with
 * compare-and-set; a standby takes it over only once it has expired. The lease is lost only when
 * another holder wrote the record, or when renewals kept failing until the lease would have
 * expired (`decideAfterRenewal`); then `onLost` is told and the leader must stop acting at once.
 * Renewals are a chain of timeouts, so one never overlaps another with a stale revision.
 */
export class LeaderLease {
  private revision = 0;
  private lastRenewedAtMs = 0;
  private timer?: NodeJS.Timeout;
  private renewing?: Promise<void>;
  private held = false;
  private released = false;
  private readonly lostListeners: Array<(reason: LeaseLossReason) => void> = [];

  constructor(
    private readonly kv: KV,
    private readonly clock: Clock,
    private readonly options: LeaderLeaseOptions,
  ) {}

  private get renewEveryMs(): number {
    return Math.max(Math.floor(this.options.leaseMs / 3), 100);
  }

  /** Resolves once this process holds the lease (again, after a loss). */
  async acquire(onWaiting?: (holder: string) => void): Promise<void> {
    await this.renewing; // a renewal of the lease we lost must not land after we take it anew
    let told = false;
    while (!this.released) {
      const seen = await this.tryTake();
      if (seen.taken) {
        this.held = true;
        this.schedule(this.renewEveryMs);
        return;
      }
      if (!told) {
        onWaiting?.(seen.holder ?? 'unknown');
        told = true;
      }
      await new Promise((r) => setTimeout(r, this.options.pollMs ?? 250));
    }
    throw new Error('the lease was released before it was acquired');
  }

  onLost(listener: (reason: LeaseLossReason) => void): void {
    this.lostListeners.push(listener);
  }

  /** Gives the lease up so a standby takes over at once. Safe to call twice. */
  async release(): Promise<void> {
    this.released = true;
    clearTimeout(this.timer);
    await this.renewing;
    if (!this.held || this.revision === 0) return;
    this.held = false;
    const value: LeaseValue = { holder: this.options.holder, expiresAt: 0 };
    await this.kv.update(KEY, JSON.stringify(value), this.revision).catch(() => undefined);
    this.revision = 0;
  }

  /** One look at the record, taking it when free; who holds it when not (undefined: not known). */
  private async tryTake(): Promise<{ taken: boolean; holder?: string }> {
    const now = this.clock.now().getTime();
    const value = JSON.stringify({ holder: this.options.holder, expiresAt: now + this.options.leaseMs } satisfies LeaseValue);
    let holder: string | undefined;
    try {
      const current = await this.kv.get(KEY);
      if (!current || current.operation !== 'PUT') {
        this.revision = await this.kv.create(KEY, value);
      } else {
        const lease = current.json<LeaseValue>();
        holder = lease.holder;
        if (lease.expiresAt > now && lease.holder !== this.options.holder) return { taken: false, holder };
        this.revision = await this.kv.update(KEY, value, current.revision);
      }
      this.lastRenewedAtMs = now;
      return { taken: true };
    } catch {
      return { taken: false, holder }; // another standby won the race, or the store did not answer: look again
    }
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.renewing = this.renewOnce().finally(() => (this.renewing = undefined));
    }, delayMs);
    this.timer.unref();
  }

  private async renewOnce(): Promise<void> {
    if (this.released || !this.held) return;
    const sentAt = this.clock.now().getTime();
    const failure = await this.write(sentAt);
    if (this.released) return;
    if (!failure) this.lastRenewedAtMs = sentAt;
    const decision = decideAfterRenewal({ lastRenewedAtMs: this.lastRenewedAtMs, leaseMs: this.options.leaseMs, nowMs: this.clock.now().getTime(), failure });
    if (decision.action === 'keep') return this.schedule(this.renewEveryMs);
    if (decision.action === 'retry') {
      const left = decision.safeUntilMs - this.clock.now().getTime();
      return this.schedule(Math.max(Math.min(Math.floor(this.options.leaseMs / 10), left), 10));
    }
    this.held = false;
    this.revision = 0;
    for (const listener of this.lostListeners) listener(decision.reason);
  }

  /** One compare-and-set of the record; what went wrong, if anything. */
  private async write(sentAt: number): Promise<RenewalFailure | undefined> {
    const value: LeaseValue = { holder: this.options.holder, expiresAt: sentAt + this.options.leaseMs };
    // A hung request is given up after a renewal period, so there is time to ask again, and never
    // past the lease's end: an answer after that changes nothing.
    const safeFor = this.lastRenewedAtMs + this.options.leaseMs - sentAt;
    try {
      this.revision = await this.kv.update(KEY, JSON.stringify(value), this.revision, Math.max(Math.min(safeFor, this.renewEveryMs), 100));
      return undefined;
    } catch (error) {
      if (!isWrongRevision(error)) return 'unreachable';
      return this.adoptOwnWrite();
    }
  }

  /**
   * A refused compare-and-set is a real conflict only if someone else wrote the record: a
   * renewal whose answer was lost (a timeout) may have landed, moving the revision on.
   */
  private async adoptOwnWrite(): Promise<RenewalFailure | undefined> {
    try {
      const current = await this.kv.get(KEY);
      const lease = current?.operation === 'PUT' ? current.json<LeaseValue>() : undefined;
      if (current && lease?.holder === this.options.holder) {
        this.revision = current.revision;
        this.lastRenewedAtMs = Math.max(this.lastRenewedAtMs, lease.expiresAt - this.options.leaseMs);
        return 'unreachable'; // not renewed by this attempt; the next one uses the right revision
      }
      return 'conflict';
    } catch {
      return 'unreachable';
    }
  }
}

function isWrongRevision(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError && (error.code === JetStreamApiCodes.StreamWrongLastSequence || error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

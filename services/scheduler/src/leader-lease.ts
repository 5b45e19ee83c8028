import { type KV } from '@nats-io/kv';
import { type Clock } from './clock';

const KEY = 'leader';

interface LeaseValue {
  holder: string;
  /** ms since epoch. */
  expiresAt: number;
}

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
 * compare-and-set; a standby takes it over only once it has expired. A leader that fails to
 * renew (someone else holds the lease now) is told through `onLost` and must stop acting at once.
 */
export class LeaderLease {
  private revision = 0;
  private renewTimer?: NodeJS.Timeout;
  private stopped = false;
  private lostListener: () => void = () => {};

  constructor(
    private readonly kv: KV,
    private readonly clock: Clock,
    private readonly options: LeaderLeaseOptions,
  ) {}

  /** Resolves once this process holds the lease. */
  async acquire(onWaiting?: (holder: string) => void): Promise<void> {
    let told = false;
    while (!this.stopped) {
      if (await this.tryTake()) {
        this.renewTimer = setInterval(() => void this.renew(), Math.max(Math.floor(this.options.leaseMs / 3), 100));
        this.renewTimer.unref();
        return;
      }
      if (!told) {
        const current = await this.kv.get(KEY);
        onWaiting?.(current?.json<LeaseValue>().holder ?? 'unknown');
        told = true;
      }
      await new Promise((r) => setTimeout(r, this.options.pollMs ?? 250));
    }
    throw new Error('the lease was released before it was acquired');
  }

  onLost(listener: () => void): void {
    this.lostListener = listener;
  }

  /** Gives the lease up so a standby takes over at once. Safe to call twice. */
  async release(): Promise<void> {
    this.stopped = true;
    clearInterval(this.renewTimer);
    if (this.revision === 0) return;
    const value: LeaseValue = { holder: this.options.holder, expiresAt: 0 };
    await this.kv.update(KEY, JSON.stringify(value), this.revision).catch(() => undefined);
    this.revision = 0;
  }

  private async tryTake(): Promise<boolean> {
    const value = JSON.stringify({ holder: this.options.holder, expiresAt: this.clock.now().getTime() + this.options.leaseMs } satisfies LeaseValue);
    const current = await this.kv.get(KEY);
    try {
      if (!current || current.operation !== 'PUT') {
        this.revision = await this.kv.create(KEY, value);
        return true;
      }
      const lease = current.json<LeaseValue>();
      if (lease.expiresAt > this.clock.now().getTime() && lease.holder !== this.options.holder) return false;
      this.revision = await this.kv.update(KEY, value, current.revision);
      return true;
    } catch {
      return false; // another standby won the race
    }
  }

  private async renew(): Promise<void> {
    if (this.stopped || this.revision === 0) return;
    const value: LeaseValue = { holder: this.options.holder, expiresAt: this.clock.now().getTime() + this.options.leaseMs };
    try {
      this.revision = await this.kv.update(KEY, JSON.stringify(value), this.revision);
    } catch {
      // Someone else holds the lease now (we were too slow): stop acting as leader.
      this.stopped = true;
      clearInterval(this.renewTimer);
      this.lostListener();
    }
  }
}

import { JetStreamApiError } from '@nats-io/jetstream';
import { NoRespondersError, RequestError, TimeoutError } from '@nats-io/transport-node';

/** What a retry is told before it waits: for a log line that says why a call is slow. */
export interface TransientRetryNotice {
  /** The operation, as the caller named it (`kv update gpulab-jobs`). */
  what: string;
  /** Attempts made so far (1 after the first failed). */
  attempt: number;
  /** How long it waits before the next attempt. */
  waitMs: number;
  error: unknown;
}

/** How long an operation keeps trying through a failure that passes (a JetStream leader election, a reconnect). */
export interface TransientRetryPolicy {
  /**
   * The longest an operation keeps trying, in ms, attempts and waits together (an attempt under
   * way when it runs out is finished, not cut short). A JetStream RAFT group elects a new leader
   * within a few seconds of losing one; this covers a couple of elections one after the other.
   * @default 20000
   */
  totalMs?: number;
  /** The first wait, in ms; each next one doubles, up to `maxDelayMs`. @default 100 */
  firstDelayMs?: number;
  /** @default 2000 */
  maxDelayMs?: number;
  /** Which failures are worth another attempt. @default isTransientNatsError */
  retryable?: (error: unknown) => boolean;
  /** Told before each wait. */
  onRetry?: (notice: TransientRetryNotice) => void;
}

/** The defaults of `TransientRetryPolicy`, in one place. */
export const TRANSIENT_RETRY_DEFAULTS = { totalMs: 20_000, firstDelayMs: 100, maxDelayMs: 2_000 } as const;

/** JetStream's "temporarily unavailable" answer (no meta leader, a stream without a leader yet). */
const JS_CLUSTER_NOT_AVAILABLE = 10008;
/** "JetStream system temporarily unavailable" for a stream whose group is electing. */
const JS_STREAM_OFFLINE = 10118;

/**
 * Whether a NATS or JetStream failure passes on its own: no answer in time, no one subscribed
 * yet (a JetStream stream or the scheduler between leaders or reconnecting: the client maps a
 * JetStream API's no-responders to `JetStreamNotEnabled`), or JetStream saying it is
 * temporarily unavailable (status 503). Bad input, permissions and revision conflicts are not.
 */
export function isTransientNatsError(error: unknown): boolean {
  if (error instanceof TimeoutError || error instanceof NoRespondersError) return true;
  // Not exported by the client: known by its name.
  if (error instanceof Error && error.name === 'JetStreamNotEnabled') return true;
  if (error instanceof RequestError) return error.isNoResponders() || error.cause instanceof TimeoutError;
  if (error instanceof JetStreamApiError) return error.status === 503 || error.code === JS_CLUSTER_NOT_AVAILABLE || error.code === JS_STREAM_OFFLINE;
  return false;
}

/**
 * Runs `op` until it succeeds, fails in a way `retryable` refuses, or `totalMs` is spent; then
 * throws its last error. Waits grow from `firstDelayMs` to `maxDelayMs`. `op` is told which
 * attempt it is (0 first), so that a write can recognise its own earlier attempt having landed.
 */
export async function retryTransient<T>(what: string, op: (attempt: number) => Promise<T>, policy: TransientRetryPolicy = {}): Promise<T> {
  const totalMs = policy.totalMs ?? TRANSIENT_RETRY_DEFAULTS.totalMs;
  const maxDelayMs = policy.maxDelayMs ?? TRANSIENT_RETRY_DEFAULTS.maxDelayMs;
  const retryable = policy.retryable ?? isTransientNatsError;
  const startedAt = performance.now();
  let delayMs = policy.firstDelayMs ?? TRANSIENT_RETRY_DEFAULTS.firstDelayMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await op(attempt);
    } catch (error) {
      const left = totalMs - (performance.now() - startedAt);
      if (!retryable(error) || left <= 0) throw error;
      const waitMs = Math.min(delayMs, left);
      policy.onRetry?.({ what, attempt: attempt + 1, waitMs, error });
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      delayMs = Math.min(delayMs * 2, maxDelayMs);
    }
  }
}

/** Where retries are told: a pino logger, or anything with `warn`. */
export interface RetryLog {
  warn(fields: object, message: string): void;
}

/**
 * `onRetry` for a service's log: the first retry of an operation and every fifth after it, so a
 * slow store is explained without a line per wait.
 */
export function logRetries(log: RetryLog): (notice: TransientRetryNotice) => void {
  return ({ what, attempt, waitMs, error }) => {
    if (attempt !== 1 && attempt % 5 !== 0) return;
    log.warn({ operation: what, attempt, waitMs, err: error instanceof Error ? error.message : String(error) }, 'a NATS call failed in a way that passes (a JetStream leader election, a reconnect); trying again');
  };
}

/**
 * What the NATS client throws when the server or the scheduler is out of reach for a while: a
 * lost or closed connection, a request nobody answered in time, or no responder at all. Another
 * attempt, on a fresh connection, may well succeed. (`NoResponders` is the name nats.js gives
 * its NoRespondersError.)
 */
const TRANSIENT_NATS_ERRORS: ReadonlySet<string> = new Set([
  'ConnectionError',
  'ClosedConnectionError',
  'DrainingConnectionError',
  'TimeoutError',
  'NoResponders',
  'NoRespondersError',
  'RequestError',
]);

/** Node's codes for a network that failed under us (sockets, DNS). */
const TRANSIENT_SYSTEM_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/** JetStream's status for a stream, KV bucket or Object Store with no leader yet, or starting. */
const JETSTREAM_UNAVAILABLE = 503;

/**
 * Whether another attempt of the job may cure this failure, for the worker's `failed` report.
 * The error's own `retryable` decides first: our error classes state it where the failure is
 * made (bad input, an unknown kind, invalid parameters: no; the scheduler's data server not
 * answering: yes). Next, the NATS client's errors of an outage, anywhere in the cause chain.
 * Everything else is terminal: a TypeError or an out-of-memory is a bug or a job too big for the
 * machine, and running it again would fail the same way and spend GPU time doing it.
 */
export function isRetryable(error: unknown): boolean {
  return classify(error, 0);
}

function classify(error: unknown, depth: number): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const own = (error as { retryable?: unknown }).retryable;
  if (typeof own === 'boolean') return own;
  if (error instanceof Error && TRANSIENT_NATS_ERRORS.has(error.name)) return true;
  const code = (error as { code?: unknown }).code;
  if (code === JETSTREAM_UNAVAILABLE || (typeof code === 'string' && TRANSIENT_SYSTEM_CODES.has(code))) return true;
  return classify((error as { cause?: unknown }).cause, depth + 1);
}

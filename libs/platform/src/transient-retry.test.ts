import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JetStreamApiError } from '@nats-io/jetstream';
import { TimeoutError } from '@nats-io/transport-node';
import { isTransientNatsError, retryTransient, type TransientRetryNotice } from './transient-retry';

/** An operation that fails with `errors` in turn, then answers `value`; counts its attempts. */
function failingThen<T>(errors: unknown[], value: T) {
  const op = { attempts: [] as number[], run: async (attempt: number): Promise<T> => {
    op.attempts.push(attempt);
    const error = errors.shift();
    if (error !== undefined) throw error;
    return value;
  } };
  return op;
}

const temporarilyUnavailable = () => new JetStreamApiError({ code: 503, err_code: 10008, description: 'JetStream system temporarily unavailable' });

describe('retrying a NATS call through failures that pass', () => {
  it('asks again after a timeout and a leaderless 503, telling each wait, and answers what the call finally answers', async () => {
    const notices: TransientRetryNotice[] = [];
    const op = failingThen([new TimeoutError(), temporarilyUnavailable()], 'stored');
    assert.equal(await retryTransient('kv put', (attempt) => op.run(attempt), { firstDelayMs: 1, onRetry: (n) => notices.push(n) }), 'stored');
    assert.deepEqual(op.attempts, [0, 1, 2]);
    assert.deepEqual(notices.map((n) => [n.what, n.attempt, n.waitMs]), [['kv put', 1, 1], ['kv put', 2, 2]]);
  });

  it('throws a failure that does not pass at once, without asking again', async () => {
    const conflict = new JetStreamApiError({ code: 400, err_code: 10071, description: 'wrong last sequence' });
    const op = failingThen([conflict], 'never');
    await assert.rejects(retryTransient('kv update', (attempt) => op.run(attempt), { firstDelayMs: 1 }), (error) => error === conflict);
    assert.deepEqual(op.attempts, [0]);
    assert.equal(isTransientNatsError(conflict), false);
  });

  it('gives up once its time is spent and throws the last failure', async () => {
    const last = new TimeoutError();
    const op = failingThen(Array.from({ length: 1000 }, (_, i) => (i === 999 ? last : new TimeoutError())), 'never');
    const startedAt = Date.now();
    await assert.rejects(retryTransient('publish', (attempt) => op.run(attempt), { totalMs: 60, firstDelayMs: 5, maxDelayMs: 10 }), TimeoutError);
    assert.ok(Date.now() - startedAt < 1_000, 'bounded by totalMs');
    assert.ok(op.attempts.length > 2 && op.attempts.length < 20, `${op.attempts.length} attempts in 60 ms`);
  });
});

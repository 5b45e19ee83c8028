import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { errors } from '@nats-io/transport-node';
import { GatewayError, toServiceError } from './errors';

describe('errors as gRPC statuses', () => {
  it('answers a store out of reach (nats-server restarting) with UNAVAILABLE, which clients retry', () => {
    assert.equal(toServiceError(new errors.TimeoutError()).code, status.UNAVAILABLE);
    assert.equal(toServiceError(new errors.ClosedConnectionError()).code, status.UNAVAILABLE);
    assert.equal(toServiceError(new Error('wrapped', { cause: new errors.ConnectionError('disconnected') })).code, status.UNAVAILABLE);
  });

  it("keeps a caller's mistake its own code and anything else INTERNAL, with a bounded message", () => {
    const refusal = toServiceError(new GatewayError('INVALID_ARGUMENT', 'x'.repeat(100_000)));
    assert.equal(refusal.code, status.INVALID_ARGUMENT);
    assert.ok((refusal.details ?? '').length <= 1100);
    assert.equal(toServiceError(new TypeError('a bug')).code, status.INTERNAL);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { errors } from '@nats-io/transport-node';
import { decodeErrorInfo, ErrorReasons, STATUS_DETAILS_KEY } from '@gpulab/contracts';
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

  it('attaches the reason and its subject as google.rpc.ErrorInfo in grpc-status-details-bin', () => {
    const refusal = toServiceError(new GatewayError('RESOURCE_EXHAUSTED', 'slow down', { reason: ErrorReasons.rateLimited, metadata: { group: 'submit' } }));
    const [bytes] = refusal.metadata?.get(STATUS_DETAILS_KEY) ?? [];
    assert.ok(Buffer.isBuffer(bytes));
    assert.deepEqual(decodeErrorInfo(bytes), { reason: 'RATE_LIMITED', domain: 'gpulab', metadata: { group: 'submit' } });
  });

  it("gives a refusal without a reason of its own its code's general one, and a bug INTERNAL", () => {
    const infoOf = (error: unknown) => decodeErrorInfo(toServiceError(error).metadata?.get(STATUS_DETAILS_KEY)[0] as Buffer)?.reason;
    assert.equal(infoOf(new GatewayError('INVALID_ARGUMENT', 'bad')), 'INVALID_FIELD');
    assert.equal(infoOf(new TypeError('a bug')), 'INTERNAL');
  });
});

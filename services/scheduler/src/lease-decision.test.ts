import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decideAfterRenewal, safetyMarginMs } from './lease-decision';

describe('the leader lease decision after a renewal', () => {
  const leaseMs = 3000;
  const lastRenewedAtMs = 10_000;

  it('keeps the lease when the renewal succeeded', () => {
    assert.deepEqual(decideAfterRenewal({ lastRenewedAtMs, leaseMs, nowMs: 10_500 }), { action: 'keep' });
  });

  it('loses it at once when another holder wrote the record, however fresh the lease', () => {
    assert.deepEqual(decideAfterRenewal({ lastRenewedAtMs, leaseMs, nowMs: 10_001, failure: 'conflict' }), { action: 'lost', reason: 'taken' });
  });

  it('retries a timeout or disconnect while no standby can have taken over', () => {
    const decision = decideAfterRenewal({ lastRenewedAtMs, leaseMs, nowMs: 12_000, failure: 'unreachable' });
    assert.deepEqual(decision, { action: 'retry', safeUntilMs: lastRenewedAtMs + leaseMs - safetyMarginMs(leaseMs) });
  });

  it('gives up once the lease would have expired, a margin before its expiry', () => {
    const safeUntil = lastRenewedAtMs + leaseMs - safetyMarginMs(leaseMs);
    assert.equal(decideAfterRenewal({ lastRenewedAtMs, leaseMs, nowMs: safeUntil - 1, failure: 'unreachable' }).action, 'retry');
    assert.deepEqual(decideAfterRenewal({ lastRenewedAtMs, leaseMs, nowMs: safeUntil, failure: 'unreachable' }), { action: 'lost', reason: 'expired' });
    assert.deepEqual(decideAfterRenewal({ lastRenewedAtMs, leaseMs, nowMs: 20_000, failure: 'unreachable' }), { action: 'lost', reason: 'expired' });
  });

  it('keeps a margin of a tenth of the lease, never under 50 ms', () => {
    assert.equal(safetyMarginMs(3000), 300);
    assert.equal(safetyMarginMs(200), 50);
  });
});

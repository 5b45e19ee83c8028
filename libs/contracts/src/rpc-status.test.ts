import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Status } from './generated/google/rpc/status';
import { ErrorReasons } from './error-reasons';
import { decodeErrorInfo, encodeErrorStatus } from './rpc-status';

describe('a refusal as google.rpc.Status', () => {
  it('carries one ErrorInfo of the gpulab domain with the reason and the subject', () => {
    const bytes = encodeErrorStatus({ code: 9, message: 'team delta already holds a slot', reason: ErrorReasons.slotOverlap, metadata: { team: 'delta', slot: 's-1' } });
    const status = Status.decode(bytes);
    assert.equal(status.code, 9);
    assert.equal(status.message, 'team delta already holds a slot');
    assert.deepEqual(status.details.map((d) => d.typeUrl), ['type.googleapis.com/google.rpc.ErrorInfo']);
    assert.deepEqual(decodeErrorInfo(bytes), { reason: 'SLOT_OVERLAP', domain: 'gpulab', metadata: { team: 'delta', slot: 's-1' } });
  });

  it('never echoes an unbounded subject or message', () => {
    const bytes = encodeErrorStatus({ code: 3, message: 'm'.repeat(100_000), reason: ErrorReasons.invalidField, metadata: { field: 'x'.repeat(100_000) } });
    assert.ok(bytes.length < 2_000, `${bytes.length} bytes`);
  });

  it('reads nothing from bytes that are not a status', () => {
    assert.equal(decodeErrorInfo(Buffer.from([0xff, 0xff, 0xff])), undefined);
    assert.equal(decodeErrorInfo(Status.encode({ code: 5, message: 'x', details: [] }).finish()), undefined);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertTransition, canTransition, isTerminal } from './job-lifecycle';
import { InvalidTransitionError } from './errors';

describe('job lifecycle', () => {
  it('follows QUEUED → SCHEDULED → RUNNING → SUCCEEDED', () => {
    assert.ok(canTransition('QUEUED', 'SCHEDULED'));
    assert.ok(canTransition('SCHEDULED', 'RUNNING'));
    assert.ok(canTransition('RUNNING', 'SUCCEEDED'));
  });

  it('refuses to leave a terminal state and names the job and both states', () => {
    for (const s of ['SUCCEEDED', 'FAILED', 'CANCELLED'] as const) assert.ok(isTerminal(s));
    assert.throws(() => assertTransition('j1', 'SUCCEEDED', 'RUNNING'), (e: unknown) => {
      assert.ok(e instanceof InvalidTransitionError);
      assert.equal(e.message, 'job j1 cannot go from SUCCEEDED to RUNNING');
      return true;
    });
  });
});

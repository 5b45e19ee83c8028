import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reconcile } from './reconcile';

const live = (name: string, creating = false) => ({ jobId: name.replace(/-a\d+$/, ''), attempt: Number(name.split('-a').at(-1)), name, creating });

describe('reconciling Jobs with live attempts', () => {
  it('deletes a running Job of no live attempt and keeps a finished one for its TTL', () => {
    const { deletes } = reconcile([live('j1-a2')], [
      { name: 'j1-a1', finished: false },
      { name: 'j1-a2', finished: false },
      { name: 'j2-a1', finished: true },
    ]);
    assert.deepEqual(deletes, ['j1-a1']);
  });

  it('requeues a live attempt whose Job is gone, but not one still being created', () => {
    const { missing } = reconcile([live('j1-a1'), live('j2-a1', true)], []);
    assert.deepEqual(missing.map((m) => m.name), ['j1-a1']);
  });

  it('changes nothing when every live attempt has its Job', () => {
    assert.deepEqual(reconcile([live('j1-a1')], [{ name: 'j1-a1', finished: false }], ['j1-a1']), { deletes: [], secretDeletes: [], missing: [] });
  });

  it('deletes a credentials Secret once neither its attempt nor its Job is left', () => {
    const { secretDeletes } = reconcile([live('j1-a2')], [{ name: 'j2-a1', finished: true }], ['j1-a1', 'j1-a2', 'j2-a1']);
    assert.deepEqual(secretDeletes, ['j1-a1']);
  });
});

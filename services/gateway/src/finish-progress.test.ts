import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FinishProgressBoard } from './finish-progress';

function fixture(graceMs = 10_000) {
  const clock = { ms: Date.parse('2026-12-03T10:00:00Z'), now: () => clock.ms };
  const board = new FinishProgressBoard(clock, { graceMs });
  const tracker = board.begin({ uploadId: 'up-aaaaaaaaaaaaaaaa', team: 'demo', totalBytes: 1000 });
  return { clock, board, tracker };
}

describe('FinishProgressBoard', () => {
  it('starts a finish waiting for its turn, with nothing read of the data file', () => {
    const { board } = fixture();
    assert.deepEqual(board.get('up-aaaaaaaaaaaaaaaa'), {
      uploadId: 'up-aaaaaaaaaaaaaaaa',
      team: 'demo',
      phase: 'waiting',
      doneBytes: 0,
      totalBytes: 1000,
      rows: 0,
      startedAt: '2026-12-03T10:00:00.000Z',
      updatedAt: '2026-12-03T10:00:00.000Z',
    });
  });

  it('counts the bytes read in each phase from 0 again, never past the total', () => {
    const { clock, board, tracker } = fixture();
    tracker.phase('checking');
    tracker.read(600);
    tracker.read(600);
    assert.equal(board.get('up-aaaaaaaaaaaaaaaa')?.doneBytes, 1000);
    tracker.rows(42);
    clock.ms += 1500;
    tracker.phase('parsing');
    tracker.read(250);
    const parsing = board.get('up-aaaaaaaaaaaaaaaa');
    assert.equal(parsing?.phase, 'parsing');
    assert.equal(parsing?.doneBytes, 250);
    assert.equal(parsing?.rows, 42);
    assert.equal(parsing?.updatedAt, '2026-12-03T10:00:01.500Z');
  });

  it('hands out copies, so a reader cannot change what the finish reports', () => {
    const { board } = fixture();
    const copy = board.get('up-aaaaaaaaaaaaaaaa');
    if (copy) copy.phase = 'done';
    assert.equal(board.get('up-aaaaaaaaaaaaaaaa')?.phase, 'waiting');
  });

  it('keeps a finish that ended done, with its artifact, for the grace period and then forgets it', () => {
    const { clock, board, tracker } = fixture(5000);
    tracker.phase('storing');
    tracker.done('art-aaaaaaaaaaaaaaaa');
    clock.ms += 5000;
    assert.equal(board.get('up-aaaaaaaaaaaaaaaa')?.phase, 'done');
    assert.equal(board.get('up-aaaaaaaaaaaaaaaa')?.artifactId, 'art-aaaaaaaaaaaaaaaa');
    clock.ms += 1;
    assert.equal(board.get('up-aaaaaaaaaaaaaaaa'), undefined);
    assert.equal(board.size, 0);
  });

  it('ignores what a finish reports after it failed, so a late chunk cannot make it look alive', () => {
    const { board, tracker } = fixture();
    tracker.phase('parsing');
    tracker.failed();
    tracker.read(100);
    tracker.phase('storing');
    tracker.done('art-aaaaaaaaaaaaaaaa');
    const ended = board.get('up-aaaaaaaaaaaaaaaa');
    assert.equal(ended?.phase, 'failed');
    assert.equal(ended?.doneBytes, 0);
    assert.equal(ended?.artifactId, undefined);
  });

  it('keeps running finishes however long they take, and lets a finish begun again replace the old one', () => {
    const { clock, board } = fixture(1000);
    clock.ms += 3600_000;
    assert.equal(board.get('up-aaaaaaaaaaaaaaaa')?.phase, 'waiting');
    const again = board.begin({ uploadId: 'up-aaaaaaaaaaaaaaaa', team: 'demo', totalBytes: 1000 });
    again.phase('checking');
    assert.equal(board.get('up-aaaaaaaaaaaaaaaa')?.phase, 'checking');
    assert.equal(board.size, 1);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectMetadata } from '@gpulab/contracts';
import { objectKey, StorageIndex } from '@gpulab/platform';
import { StorageFullError, type StoredObjectInfo, TeamStorageRoom } from './team-storage-room';

const LIMIT = 1000;

/** A room over an index filled by hand: `stored` bytes of job outputs of team demo already there. */
function aRoom(stored = 0): { room: TeamStorageRoom; index: StorageIndex } {
  const index = new StorageIndex();
  if (stored > 0) index.apply(objectKey('jobs/j-old/model.bin'), 1, { team: 'demo', part: 'jobOutputBytes', bytes: stored });
  return { room: new TeamStorageRoom({} as never, LIMIT, index), index };
}

const anObject = (name: string, size: number, revision: number): StoredObjectInfo =>
  ({ name, size, revision, deleted: false, mtime: new Date(0).toISOString(), metadata: { [ObjectMetadata.team]: 'demo' } }) as unknown as StoredObjectInfo;

describe('TeamStorageRoom', () => {
  it('lets writes of a team grow up to the free space and refuses the part beyond it with the limit in words', () => {
    const { room } = aRoom(600);
    const write = room.hold('demo', 'jobs/j-1/a.bin');
    write.grow(300);
    write.grow(100);
    assert.throws(() => write.grow(1), (e: unknown) => e instanceof StorageFullError && /team storage full \(quota 0\.00 MB\)/.test(e.message));
  });

  it('counts two writes of one team in progress together, so they cannot both take the last space', () => {
    const { room } = aRoom(600);
    room.hold('demo', 'jobs/j-1/a.bin').grow(300);
    assert.throws(() => room.hold('demo', 'jobs/j-2/b.bin').grow(200), StorageFullError);
    room.hold('other', 'jobs/j-3/c.bin').grow(900);
  });

  it('gives the space back when a write is dropped, and counts a stored one from the ledger instead', () => {
    const { room, index } = aRoom(0);
    const dropped = room.hold('demo', 'jobs/j-1/a.bin');
    dropped.grow(800);
    dropped.release();
    dropped.release();
    const kept = room.hold('demo', 'jobs/j-1/b.bin');
    kept.grow(800);
    kept.stored(anObject('jobs/j-1/b.bin', 800, 5));
    assert.equal(index.usage('demo', LIMIT).jobOutputBytes, 800);
    assert.throws(() => room.hold('demo', 'jobs/j-1/c.bin').grow(201), StorageFullError);
    room.hold('demo', 'jobs/j-1/c.bin').grow(200);
  });

  it('does not charge a write for the version of the object it replaces (a checkpoint stored again)', () => {
    const { room, index } = aRoom(0);
    index.apply(objectKey('jobs/j-1/checkpoint'), 1, { team: 'demo', part: 'jobOutputBytes', bytes: 700 });
    room.hold('demo', 'jobs/j-1/checkpoint').grow(900);
  });
});

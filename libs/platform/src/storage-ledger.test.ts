import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectMetadata } from '@gpulab/contracts';
import { objectItem, objectKey, recordKey, StorageIndex } from './storage-ledger';

const item = (team: string, bytes: number) => ({ team, part: 'artifactBytes' as const, bytes });

describe('StorageIndex', () => {
  it('counts a change seen twice (the own write, then the feed) once', () => {
    const index = new StorageIndex();
    index.apply(recordKey('artifacts.a'), 0, item('demo', 100));
    index.apply(recordKey('artifacts.a'), 7, item('demo', 100));
    assert.equal(index.usage('demo', 1000).artifactBytes, 100);
  });

  it('ignores an older revision that arrives late', () => {
    const index = new StorageIndex();
    index.apply(recordKey('uploads.u'), 5, { team: 'demo', part: 'uploadBytes', bytes: 50 });
    index.apply(recordKey('uploads.u'), 3, { team: 'demo', part: 'uploadBytes', bytes: 999 });
    assert.equal(index.usage('demo', 1000).uploadBytes, 50);
  });

  it('keeps a key removed here removed when the feed still carries its earlier writes', () => {
    const index = new StorageIndex();
    index.apply(recordKey('uploads.u'), 5, { team: 'demo', part: 'uploadBytes', bytes: 50 });
    index.removed(recordKey('uploads.u'));
    index.apply(recordKey('uploads.u'), 9, { team: 'demo', part: 'uploadBytes', bytes: 50 });
    assert.equal(index.usage('demo', 1000).uploadBytes, 0);
    assert.deepEqual(index.teams(), []);
  });

  it('leaves out one upload when asked, for the check of that upload finishing', () => {
    const index = new StorageIndex();
    index.apply(recordKey('uploads.u'), 1, { team: 'demo', part: 'uploadBytes', bytes: 50 });
    index.apply(recordKey('uploads.v'), 2, { team: 'demo', part: 'uploadBytes', bytes: 20 });
    assert.equal(index.usage('demo', 1000, recordKey('uploads.u')).uploadBytes, 20);
  });

  it("counts a job's input and its other objects apart, against the team their metadata names", () => {
    const index = new StorageIndex();
    const meta = { metadata: { [ObjectMetadata.team]: 'demo' }, deleted: false };
    for (const [name, size] of [['jobs/j-1/input.f64', 80], ['jobs/j-1/result.json', 5], ['jobs/j-1/out/plot.svg', 7], ['jobs/j-1/checkpoint', 11]] as const) {
      index.apply(objectKey(name), 1, objectItem({ name, size, ...meta }), 1000);
    }
    index.apply(objectKey('artifacts/art-x/data'), 1, objectItem({ name: 'artifacts/art-x/data', size: 500, ...meta }));
    index.apply(objectKey('jobs/j-2/input.f64'), 1, objectItem({ name: 'jobs/j-2/input.f64', size: 80, deleted: false, metadata: undefined }));
    const usage = index.usage('demo', 1000);
    assert.deepEqual([usage.jobInputBytes, usage.jobOutputBytes, usage.artifactBytes], [80, 23, 0]);
    assert.deepEqual(index.inputs(), [
      { name: 'jobs/j-1/input.f64', jobId: 'j-1', team: 'demo', modifiedMs: 1000 },
      { name: 'jobs/j-1/checkpoint', jobId: 'j-1', team: 'demo', modifiedMs: 1000 },
    ]);
    index.apply(objectKey('jobs/j-1/input.f64'), 2, objectItem({ name: 'jobs/j-1/input.f64', size: 80, ...meta, deleted: true }));
    assert.equal(index.usage('demo', 1000).jobInputBytes, 0);
  });

  it("lists one job's objects with their sizes, and frees them when they are removed", () => {
    const index = new StorageIndex();
    const meta = { metadata: { [ObjectMetadata.team]: 'demo' }, deleted: false };
    for (const [name, size] of [['jobs/j-1/result.json', 5], ['jobs/j-1/out/plot.svg', 7], ['jobs/j-2/result.json', 3]] as const) {
      index.apply(objectKey(name), 1, objectItem({ name, size, ...meta }), 1000);
    }
    assert.deepEqual(
      index.jobObjects('j-1').map((o) => [o.name, o.bytes, o.part]),
      [
        ['jobs/j-1/result.json', 5, 'jobOutputBytes'],
        ['jobs/j-1/out/plot.svg', 7, 'jobOutputBytes'],
      ],
    );
    for (const o of index.jobObjects('j-1')) index.removed(objectKey(o.name));
    assert.deepEqual(index.jobObjects('j-1'), []);
    assert.equal(index.usage('demo', 1000).jobOutputBytes, 3);
  });
});

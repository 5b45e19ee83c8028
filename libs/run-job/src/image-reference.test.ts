import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isImageReference, MAX_IMAGE_REFERENCE_CHARS, parseImageReference } from './image-reference';

describe('team image references', () => {
  it('accepts registry, port, path, tag and digest forms', () => {
    for (const ref of ['python:3.12', 'registry.course.org:5000/team-a/train:v3', 'ghcr.io/team_b/model', `team/x@sha256:${'a'.repeat(64)}`, 'localhost:5000/x:latest', 'a/b__c/d-e--f:V1.2_rc']) {
      assert.ok(isImageReference(ref), ref);
    }
  });

  it('splits a reference into registry, path, tag and digest as Docker reads it', () => {
    assert.deepEqual(parseImageReference('registry.course.org:5000/team-a/train:v3'), { registry: 'registry.course.org:5000', path: 'team-a/train', tag: 'v3' });
    assert.deepEqual(parseImageReference('team-a/train'), { path: 'team-a/train' });
    assert.deepEqual(parseImageReference(`python@sha256:${'b'.repeat(64)}`), { path: 'python', digest: `sha256:${'b'.repeat(64)}` });
  });

  it('refuses what no runtime could pull, naming the part that is wrong', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /empty/],
      ['Team/Upper:tag', /"Team" in the image path/],
      ['team/x:', /the tag ""/],
      ['team//x', /empty component/],
      ['team/x:tag with space', /no spaces/],
      ['-team/x', /"-team"/],
      ['team/x@sha256:short', /digest/],
      [`team/x:${'t'.repeat(129)}`, /the tag/],
      ['reg_istry.org/x', /registry/],
      ['registry.org:port/x', /registry/],
    ];
    for (const [ref, problem] of cases) {
      const parsed = parseImageReference(ref);
      assert.ok('problem' in parsed, ref);
      assert.match(parsed.problem, problem, ref);
    }
  });

  it('bounds the length of a reference and of its name', () => {
    assert.match((parseImageReference('a'.repeat(MAX_IMAGE_REFERENCE_CHARS + 1)) as { problem: string }).problem, /characters; at most/);
    assert.match((parseImageReference(`${'a/'.repeat(128)}x`) as { problem: string }).problem, /image name has 257 characters/);
  });
});

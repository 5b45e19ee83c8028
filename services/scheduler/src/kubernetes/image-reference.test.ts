import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isImageReference } from './image-reference';

describe('team image references', () => {
  it('accepts registry, path, tag and digest forms', () => {
    for (const ref of ['python:3.12', 'registry.course.org:5000/team-a/train:v3', 'ghcr.io/team_b/model', `team/x@sha256:${'a'.repeat(64)}`]) assert.ok(isImageReference(ref), ref);
  });

  it('refuses what no runtime could pull', () => {
    for (const ref of ['', 'Team/Upper:tag', 'team/x:', 'team//x', 'team/x:tag with space', '-team/x', 'team/x@sha256:short']) assert.equal(isImageReference(ref), false, ref);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findJobKind, listJobKinds } from '@gpulab/jobs';
import { kindJson, kindList, kindText } from './kind-tables';

describe('gpulab kinds', () => {
  it('shows a kind as its summary, what it reads and a table of its parameters with type, default and meaning', () => {
    const text = kindText(findJobKind('flaky'));
    assert.deepEqual(text.split('\n'), [
      'flaky: fails transiently on its first failAttempts attempts (default 1), then succeeds (tutors only: for tests)',
      '  reads no data',
      '  parameter     type            default  meaning',
      '  failAttempts  integer 0..100  1        attempts that fail transiently before one succeeds',
    ]);
  });

  it('lists every parameter the kind checks, and says so when there are none', () => {
    const tsne = kindText(findJobKind('tsne'));
    for (const name of ['perplexity', 'iterations', 'path', 'rows']) assert.match(tsne, new RegExp(`^  ${name} `, 'm'));
    assert.match(tsne, /^ {2}perplexity +number > 0 +30 /m);
    assert.match(kindText(findJobKind('noop')), /no parameters$/);
  });

  it('prints no raw JSON for people, and the table as the registry holds it for scripts', () => {
    assert.doesNotMatch(kindText(findJobKind('pca')), /[{}"]/);
    const json = kindJson(findJobKind('pca'));
    assert.equal(json.input, 'matrix');
    assert.deepEqual(json.params.map((p) => p.name), ['components', 'solver', 'whiten', 'rows']);
  });

  it('names every kind in submit --help', () => {
    const list = kindList(listJobKinds());
    for (const kind of listJobKinds()) assert.match(list, new RegExp(`^  ${kind.name} `, 'm'));
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { findJobKind, listJobKinds } from './job-kinds';
import { kindMarkdownTable, kindTablesIn, updateKindTables } from './readme-tables';

const README = resolve(__dirname, '../../../README.md');

describe("README.md's parameter tables", () => {
  it('are up to date with the kinds\' tables (rewrite them with node scripts/kinds-tables.js)', () => {
    const readme = readFileSync(README, 'utf8');
    assert.equal(updateKindTables(readme), readme);
  });

  it('cover every job kind', () => {
    assert.deepEqual(kindTablesIn(readFileSync(README, 'utf8')).sort(), listJobKinds().map((k) => k.name).sort());
  });

  it('are Markdown tables with the values of an enum escaped', () => {
    const table = kindMarkdownTable(findJobKind('pca')).split('\n');
    assert.equal(table[0], '| parameter | type | default | meaning |');
    assert.match(table[3], /^\| `solver` \| auto \\\| exact \\\| randomized \| auto \|/);
    assert.equal(kindMarkdownTable(findJobKind('noop')), '`noop` takes no parameters.');
  });

  it('refuse a marker that names no kind', () => {
    assert.throws(() => updateKindTables('<!-- kinds:mystery -->\n<!-- /kinds:mystery -->'), /mystery, which is no job kind/);
  });
});

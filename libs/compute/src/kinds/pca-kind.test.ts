import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParameterError } from '../errors';
import { findJobKind } from '../job-kinds';
import { seedExample } from '../seed-example';

describe('the pca job kind', () => {
  const kind = findJobKind('pca');

  it('defaults to 2 components and accepts numbers given as text', () => {
    assert.deepEqual(kind.prepare({}, { rows: 10, cols: 5 }), { components: 2 });
    assert.deepEqual(kind.prepare({ components: '3' }, { rows: 10, cols: 5 }), { components: 3 });
    assert.deepEqual(kind.prepare({}, { rows: 10, cols: 1 }), { components: 1 });
  });

  it('refuses unknown parameters, naming the known ones', () => {
    assert.throws(() => kind.prepare({ component: 2 }, { rows: 10, cols: 2 }), /no parameter "component"; its parameters are: components/);
  });

  it('refuses more components than features', () => {
    assert.throws(() => kind.prepare({ components: 3 }, { rows: 10, cols: 2 }), (e: unknown) => e instanceof InvalidParameterError && /only 2 features/.test(e.message));
  });

  it('runs and reports progress and the backend', async () => {
    const seen: number[] = [];
    const out = await kind.run({
      params: { components: 1 },
      input: seedExample(),
      progress: async (f) => void seen.push(f),
      log: async () => {},
      signal: new AbortController().signal,
      checkpoint: { load: async () => undefined, save: async () => {} },
      jobFiles: { read: async () => undefined },
      artifacts: { read: async () => undefined },
    });
    assert.equal(out.backend, 'cpu');
    assert.equal((out.result.embedding as number[][]).length, 10);
    assert.equal(seen.at(-1), 1);
  });
});

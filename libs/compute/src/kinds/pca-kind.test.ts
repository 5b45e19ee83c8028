import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParameterError } from '../errors';
import { prepareParams } from '../job-kind';
import { seedExample } from '../seed-example';
import { pcaKind as kind } from './pca-kind';

describe('the pca job kind', () => {
  it('defaults to 2 components and accepts numbers given as text', () => {
    assert.deepEqual(prepareParams(kind, {}, { rows: 10, cols: 5 }), { components: 2 });
    assert.deepEqual(prepareParams(kind, { components: '3' }, { rows: 10, cols: 5 }), { components: 3 });
    assert.deepEqual(prepareParams(kind, {}, { rows: 10, cols: 1 }), { components: 1 });
  });

  it('compiles to typed values with the defaults filled in, and reads its own record back to the same', () => {
    const p = kind.compile({ components: '3', whiten: 'yes', rows: '8' }, { rows: 10, cols: 5 });
    assert.deepEqual(p, { components: 3, solver: 'auto', whiten: true, rows: 8 });
    assert.deepEqual(kind.compile(kind.record(p), { rows: 10, cols: 5 }), p);
  });

  it('refuses unknown parameters, naming the known ones', () => {
    assert.throws(() => prepareParams(kind, { component: 2 }, { rows: 10, cols: 2 }), /no parameter "component"; its parameters are: components/);
  });

  it('refuses more components than features', () => {
    assert.throws(() => prepareParams(kind, { components: 3 }, { rows: 10, cols: 2 }), (e: unknown) => e instanceof InvalidParameterError && /only 2 features/.test(e.message));
  });

  it('refuses more rows than the data has, naming the range', () => {
    assert.throws(() => kind.compile({ rows: 11 }, { rows: 10, cols: 2 }), (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'rows' && /between 1 and 10, not 11/.test(e.message));
  });

  it('runs and reports progress and the backend', async () => {
    const seen: number[] = [];
    const input = seedExample();
    const out = await kind.run(
      {
        input,
        progress: async (f) => void seen.push(f),
        log: async () => {},
        signal: new AbortController().signal,
        checkpoint: { load: async () => undefined, save: async () => {} },
        jobFiles: { read: async () => undefined },
        artifacts: { read: async () => undefined },
      },
      kind.compile({ components: 1 }, input),
    );
    assert.equal(out.backend, 'cpu');
    assert.equal((out.result.embedding as number[][]).length, 10);
    assert.equal(seen.at(-1), 1);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { InvalidParameterError } from '@gpulab/compute';
import { findJobKind, listJobKinds } from './job-kinds';

describe('the job-kind registry', () => {
  it("holds the compute kinds and the neural-network kinds, each once", () => {
    const names = listJobKinds().map((k) => k.name);
    for (const name of ['pca', 'tsne', 'train-classifier']) assert.ok(names.includes(name), name);
    assert.equal(new Set(names).size, names.length);
  });

  it('finds a kind by name, and refuses an unknown one listing every known kind', () => {
    assert.equal(findJobKind('train-classifier').name, 'train-classifier');
    assert.equal(typeof findJobKind('train-classifier').initBackend, 'function');
    assert.equal(findJobKind('pca').initBackend, undefined);
    assert.throws(() => findJobKind('mystery'), (e: unknown) => e instanceof InvalidParameterError && /no job kind "mystery"; known kinds: pca, tsne, train-classifier/.test(e.message));
  });

  it('checks parameters without loading TensorFlow.js, as the gateway does', () => {
    const script = `
      const { findJobKind } = require(${JSON.stringify(require.resolve('./index'))});
      findJobKind('train-classifier').prepare({ epochs: 2 }, { rows: 100, cols: 784, labeled: true });
      const loaded = Object.keys(require.cache).filter((f) => f.includes('@tensorflow'));
      process.stdout.write(JSON.stringify(loaded));
    `;
    assert.deepEqual(JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })), []);
  });
});

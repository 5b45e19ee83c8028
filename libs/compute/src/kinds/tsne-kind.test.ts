import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParameterError } from '../errors';
import { prepareParams } from '../job-kind';
import { tsneMemoryEstimate, WORKER_MEMORY_LIMIT_BYTES } from '../tsne/memory-estimate';
import { tsneKind as kind } from './tsne-kind';

describe('the tsne job kind', () => {
  it('accepts all 70,000 Fashion-MNIST images, whose run fits a worker with room to spare', () => {
    assert.equal(prepareParams(kind, {}, { rows: 70_000, cols: 784 }).rows, 70_000);
    const estimate = tsneMemoryEstimate(70_000, 784, 30, 50, 2);
    assert.ok(estimate.bytes > 0.9e9 && estimate.bytes < 1.2e9, `${estimate.bytes} bytes`);
  });

  it('refuses at submission a run that would exceed the worker memory, with the estimate and a row count that fits', () => {
    const submit = (rows: number, params: Record<string, unknown> = {}) => () => prepareParams(kind, params, { rows, cols: 784 });
    assert.throws(submit(600_000), (error: unknown) => {
      assert.ok(error instanceof InvalidParameterError);
      assert.equal(error.parameter, 'rows');
      assert.match(error.message, /t-SNE of 600,000 rows x 784 columns with perplexity 30 needs about \d+\.\d GiB/);
      assert.match(error.message, /600,000 rows x 91 neighbours x 12 bytes = 0\.6 GiB per thread/);
      assert.match(error.message, /more than a worker's 4\.0 GiB; use --set rows=\d+ or fewer/);
      const fitting = Number(/rows=(\d+)/.exec(error.message)?.[1]);
      assert.ok(tsneMemoryEstimate(fitting, 784, 30, 50, 2).bytes <= WORKER_MEMORY_LIMIT_BYTES);
      return true;
    });
    // The same rows fit with fewer of them taken.
    assert.equal(prepareParams(kind, { rows: 200_000 }, { rows: 600_000, cols: 784 }).rows, 200_000);
  });
});

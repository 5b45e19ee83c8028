import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findDataset, listDatasets } from './datasets';
import { mnistDataset } from './mnist-dataset';

describe('the mnist data set', () => {
  it('is listed among the data sets, labelled, 10,000 x 784', () => {
    assert.equal(findDataset('mnist'), mnistDataset);
    assert.ok(listDatasets().some((d) => d.name === 'fashion-mnist'));
    assert.deepEqual([mnistDataset.rows, mnistDataset.cols, mnistDataset.labeled, mnistDataset.unavailable?.()], [10_000, 784, true, undefined]);
  });

  it('loads 10,000 digits of 784 pixels in 0..1 with the classes 0 to 9, interleaved by digit', async () => {
    const started = performance.now();
    const { matrix, labels } = await mnistDataset.load();
    const first = performance.now() - started;
    const again = performance.now();
    await mnistDataset.load();
    console.log(`mnist loaded in ${first.toFixed(0)} ms, again in ${(performance.now() - again).toFixed(0)} ms`);
    assert.deepEqual([matrix.rows, matrix.cols, matrix.data.length], [10_000, 784, 10_000 * 784]);
    assert.ok(labels);
    assert.deepEqual(labels.names, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.deepEqual(Array.from(labels.codes.subarray(0, 20)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const counts = new Array<number>(10).fill(0);
    for (const c of labels.codes) counts[c]++;
    assert.ok(counts.every((n) => n > 800 && n < 1200), `every digit has about 1,000 samples: ${counts.join(', ')}`);
    let min = Infinity;
    let max = -Infinity;
    for (const v of matrix.data) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    assert.deepEqual([min, max], [0, 1]);
  });

  it('gives each load its own copy, so a job that changes its input does not change the next', async () => {
    const a = await mnistDataset.load();
    a.matrix.data.fill(7);
    a.labels?.codes.fill(3);
    const b = await mnistDataset.load();
    assert.notEqual(b.matrix.data[0], 7);
    assert.equal(b.labels?.codes[0], 0);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type BenchmarkHistoryRow, benchmarkTable, comparableKey, flagRegressions, historyRowsOfResult } from './benchmark-history';

/** A row of the course CNN on cpu, batch 4 at 32 px, on day `day` of December. */
function row(day: number, secondsPer1000Images: number, overrides: Partial<BenchmarkHistoryRow> = {}): BenchmarkHistoryRow {
  return {
    date: `2026-12-${String(day).padStart(2, '0')}T10:00:00.000Z`,
    model: 'course-cnn',
    backend: 'cpu',
    device: 'cpu: test, 2 cores',
    batchSize: 4,
    inputSize: 32,
    versions: { tfjs: '4.22.0' },
    secondsPer1000Images,
    imagesPerSecond: 1000 / secondsPer1000Images,
    jobId: `job-${day}`,
    ...overrides,
  };
}

describe('benchmark history: regressions', () => {
  it('flags a row more than 10% slower than the median of the last 5 comparable rows, with the median and ratio', () => {
    // The first row's 100 falls out of the window of five before day 7.
    const history = [row(1, 100), row(2, 10), row(3, 11), row(4, 10), row(5, 11), row(6, 10), row(7, 11.5)];
    const flagged = flagRegressions(history);
    assert.deepEqual(
      flagged.map((r) => r.regression !== undefined),
      [false, false, false, false, false, false, true],
    );
    assert.deepEqual(flagged[6].regression, { median: 10, ratio: 1.15 });
  });

  it('does not flag a row exactly 10% slower, nor the first row of its kind', () => {
    const flagged = flagRegressions([row(1, 10), row(2, 11)]);
    assert.equal(flagged[0].regression, undefined);
    assert.equal(flagged[1].regression, undefined);
  });

  it('compares only rows of the same model, backend, device, batch and input size, in date order', () => {
    const flagged = flagRegressions([row(3, 20, { batchSize: 8 }), row(2, 10), row(1, 10), row(4, 20, { inputSize: 64 })]);
    assert.deepEqual(
      flagged.map((r) => r.jobId),
      ['job-1', 'job-2', 'job-3', 'job-4'],
    );
    assert.ok(flagged.every((r) => r.regression === undefined));
    assert.notEqual(comparableKey(row(1, 1)), comparableKey(row(1, 1, { batchSize: 8 })));
  });
});

describe('benchmark history: the table', () => {
  const history = [
    row(1, 12),
    row(2, 10),
    row(2, 30, { backend: 'wasm' }),
    row(3, 5, { backend: 'wasm', batchSize: 8 }),
    row(3, 40, { backend: 'wasm', model: 'resnet50', inputSize: 224 }),
  ];

  it('puts model × backend down and device × batch size across, each cell the latest row, the fastest per column marked', () => {
    const table = benchmarkTable(history, { reference: false });
    assert.deepEqual(
      table.columns.map((c) => `${c.device}/${c.batchSize}`),
      ['cpu: test, 2 cores/4', 'cpu: test, 2 cores/8'],
    );
    assert.deepEqual(
      table.rows.map((r) => `${r.model}/${r.backend}`),
      ['course-cnn/cpu', 'course-cnn/wasm', 'resnet50/wasm'],
    );
    assert.equal(table.rows[0].cells[0]?.secondsPer1000Images, 10);
    assert.equal(table.rows[0].cells[0]?.fastest, true);
    assert.equal(table.rows[1].cells[0]?.fastest, false);
    assert.equal(table.rows[0].cells[1], undefined);
  });

  it("shows the slide's K80 and P100 rows as reference rows beside ours for ResNet-50, and not for another model", () => {
    const table = benchmarkTable(history, { model: 'resnet50' });
    assert.deepEqual(
      table.columns.map((c) => `${c.device}${c.reference ? ' (slide)' : ''}`),
      ['cpu: test, 2 cores', 'K80 (slide)', 'P100 (slide)'],
    );
    const mxnet = table.rows.find((r) => r.backend === 'MXNet');
    assert.equal(mxnet?.reference, true);
    assert.deepEqual(
      mxnet?.cells.map((c) => c?.secondsPer1000Images),
      [undefined, 145, 51],
    );
    assert.deepEqual(
      table.rows.filter((r) => r.cells[2]?.fastest).map((r) => r.backend),
      ['MXNet', 'PyTorch'],
    );
    assert.ok(benchmarkTable(history, { model: 'course-cnn' }).rows.every((r) => !r.reference));
  });

  it('keeps a row flagged against history older than --since', () => {
    const table = benchmarkTable([row(1, 10), row(2, 10), row(3, 15)], { since: '2026-12-03', reference: false });
    assert.equal(table.rows[0].cells[0]?.regression?.median, 10);
  });
});

describe('benchmark history: rows of a result', () => {
  it('keeps one row per backend that ran, with its versions, and none for a backend that failed or a result of another shape', () => {
    const result = {
      model: 'course-cnn',
      rows: [
        { backend: 'cpu', backendVersion: '4.22.0', device: 'cpu: test', tfjsVersion: '4.22.0', nodeVersion: '20.11.0', batchSize: 4, inputSize: 32, secondsPer1000Images: 2.5, imagesPerSecond: 400 },
        { backend: 'wasm', error: 'not installed' },
      ],
    };
    assert.deepEqual(historyRowsOfResult('j-1', '2026-12-03T10:00:00.000Z', result), [
      {
        date: '2026-12-03T10:00:00.000Z',
        model: 'course-cnn',
        backend: 'cpu',
        device: 'cpu: test',
        batchSize: 4,
        inputSize: 32,
        versions: { tfjs: '4.22.0', cpu: '4.22.0', node: '20.11.0' },
        secondsPer1000Images: 2.5,
        imagesPerSecond: 400,
        jobId: 'j-1',
      },
    ]);
    assert.deepEqual(historyRowsOfResult('j-2', '2026-12-03T10:00:00.000Z', { kl: [1, 2] }), []);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { benchmarkTable, flagRegressions } from '@gpulab/sdk';
import { benchmarkHistoryChart, benchmarkHistoryPng, benchmarkTableChart, benchmarkTablePng } from './bench-chart';
import { aBenchmarkRow as aRow } from './testing/views';

/** Width and height from the header, after inflating the pixels and checking they are as many as those say. */
function decodedSize(png: Uint8Array): { width: number; height: number } {
  const bytes = Buffer.from(png);
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG');
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = 0;
  const data: Buffer[] = [];
  for (let at = 8; at < bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.subarray(at + 4, at + 8).toString('latin1');
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') [width, height, depth, colorType] = [body.readUInt32BE(0), body.readUInt32BE(4), body[8], body[9]];
    if (type === 'IDAT') data.push(body);
    at += 12 + length;
  }
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  assert.equal(inflateSync(Buffer.concat(data)).length, height * (1 + Math.ceil((width * channels * depth) / 8)));
  return { width, height };
}

const history = [aRow(1, 900), aRow(2, 950, { backend: 'cpu' }), aRow(3, 1200, { backend: 'cpu' }), aRow(3, 880)];

describe('gpulab bench table --png', () => {
  it('draws a PNG of the chart size, a group per column and a bar per row, the fastest outlined', () => {
    const table = benchmarkTable(history);
    const chart = benchmarkTableChart(table);
    assert.deepEqual(chart.groups, ['cpu: test, 2 cores, batch 8', 'K80 (slide)', 'P100 (slide)']);
    assert.deepEqual(
      chart.series.map((s) => s.name),
      ['resnet50 cpu', 'resnet50 wasm', 'resnet50 MXNet (lecture slide)', 'resnet50 PyTorch (lecture slide)', 'resnet50 TensorFlow (lecture slide)'],
    );
    assert.deepEqual(chart.highlighted, [[1, 0], [2, 1], [2, 2], [3, 2]]);
    assert.deepEqual(decodedSize(benchmarkTablePng(table)), { width: 1000, height: 600 });
  });
});

describe('gpulab bench history --png', () => {
  it('draws the runs in date order, a regression outlined', () => {
    const rows = flagRegressions(history.filter((row) => row.backend === 'cpu'));
    const chart = benchmarkHistoryChart(rows, 'resnet50 on cpu');
    assert.deepEqual(chart.groups, ['2026-12-02 10:00', '2026-12-03 10:00']);
    assert.deepEqual(chart.highlighted, [[0, 1]]);
    assert.deepEqual(decodedSize(benchmarkHistoryPng(rows, 'resnet50 on cpu')), { width: 1000, height: 600 });
  });
});

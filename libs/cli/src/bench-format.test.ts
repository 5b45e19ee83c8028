import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { benchmarkTable } from '@gpulab/sdk';
import { benchmarkTableMarkdown, benchmarkTableText } from './bench-format';
import { assertGolden } from './testing/golden';
import { aBenchmarkRow as aRow } from './testing/views';

/** Two backends on one device, the cpu backend's latest run a regression. */
const history = [aRow(1, 900), aRow(2, 950, { backend: 'cpu' }), aRow(3, 1200, { backend: 'cpu' }), aRow(3, 880), aRow(4, 41.5, { model: 'course-cnn', inputSize: 32, batchSize: 4 })];

describe('gpulab bench table', () => {
  it("prints the table as text, the fastest marked with *, a regression with ! and its median, the slide's rows beside ours", () => {
    const text = benchmarkTableText(benchmarkTable(history));
    assert.match(text, /^resnet50\s+cpu\s+-\s+1200 ! \(\+26% vs median 950\)/m);
    assertGolden('bench-table.txt', `${text}\n`);
  });

  it('prints the table as Markdown with the fastest per column in bold', () => {
    const markdown = benchmarkTableMarkdown(benchmarkTable(history, { model: 'resnet50' }));
    assert.match(markdown, /^\| resnet50 \| wasm \| \*\*880\*\* \| – \| – \|$/m);
    assert.match(markdown, /^\| resnet50 \| MXNet \(lecture slide\) \| – \| \*\*145\*\* \| \*\*51\.0\*\* \|$/m);
    assertGolden('bench-table.md', `${markdown}\n`);
  });
});

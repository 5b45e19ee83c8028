import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { BAR_LAYOUT, groupedBarPng, groupedBarSvg, type GroupedBarChartOptions } from './bar-chart';

const chart: GroupedBarChartOptions = {
  groups: ['cpu', 'wasm'],
  series: [
    { name: 'batch 4', values: [10, 20] },
    { name: 'K80 (slide)', values: [40, undefined], reference: true },
  ],
  highlighted: [[0, 0]],
  title: 'seconds per 1,000 images',
  width: 400,
  height: 300,
};

describe('the grouped bar chart', () => {
  it('renders a PNG of the asked size whose tallest bar reaches the top of the plot in its colour', () => {
    const png = PNG.sync.read(Buffer.from(groupedBarPng(chart)));
    assert.equal(png.width, 400);
    assert.equal(png.height, 300);
    const { colors } = groupedBarSvg(chart);
    const { left, right, top, bottom, groupGap } = BAR_LAYOUT;
    const groupWidth = (400 - left - right) / 2;
    const barWidth = (groupWidth * (1 - groupGap)) / 2;
    // The slide's bar is the second in the first group, 40 of 40: full height.
    const x = Math.round(left + (groupWidth * groupGap) / 2 + barWidth * 1.5);
    const y = Math.round(top + (300 - top - bottom) * 0.25);
    const i = (png.width * y + x) * 4;
    const color = `#${[png.data[i], png.data[i + 1], png.data[i + 2]].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
    assert.equal(color, colors[1]);
  });

  it('refuses a series with a value count unlike the groups', () => {
    assert.throws(() => groupedBarSvg({ groups: ['a'], series: [{ name: 's', values: [1, 2] }] }), /2 values for 1 groups/);
  });
});

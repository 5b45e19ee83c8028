import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { CALENDAR_LAYOUT, calendarSvg } from './calendar-chart';
import { renderPng } from './render-png';

describe('the calendar picture', () => {
  it('renders a PNG of the expected size with each team in its colour', () => {
    const chart = calendarSvg({
      term: { start: '2026-12-01', days: 5, today: '2026-12-02' },
      lanes: [
        { server: 's1', gpus: [0, 1], broken: false },
        { server: 's2', gpus: [0, 1], broken: true },
      ],
      slots: [{ team: 'red', kind: 'experiment', startDate: '2026-12-02', days: 3, server: 's1', gpus: [0, 1] }],
      myTeam: 'red',
    });
    const png = PNG.sync.read(renderPng(chart.svg));
    assert.equal(png.width, chart.width);
    assert.equal(png.height, chart.height);
    const { left, top, cellWidth, cellHeight } = CALENDAR_LAYOUT;
    const pixel = (x: number, y: number) => {
      const i = (png.width * y + x) * 4;
      return `#${[png.data[i], png.data[i + 1], png.data[i + 2]].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
    };
    // Day 3 (2026-12-03), first lane: inside red's slot, away from the label.
    assert.equal(pixel(left + cellWidth - 10, top + 2 * cellHeight + cellHeight / 2), chart.teamColors.red);
    assert.equal(pixel(left + cellWidth - 10, top + cellHeight / 2), '#f3f3f3', 'free before the slot');
    assert.equal(pixel(left + cellWidth + 20, top + cellHeight / 2), '#444444', 'a broken pair');
  });
});

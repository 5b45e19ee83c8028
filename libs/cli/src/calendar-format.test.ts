import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type CalendarView } from '@gpulab/sdk';
import { calendarGrid } from './calendar-format';

const calendar: CalendarView = {
  term: { start: '2026-12-01', days: 4, timeZone: 'UTC', today: '2026-12-02' },
  servers: [
    { name: 's1', gpus: 4, brokenGpus: [3], drained: false },
    { name: 's2', gpus: 2, brokenGpus: [], drained: false },
  ],
  slots: [
    { id: 'a', team: 'red', kind: 'experiment', startDate: '2026-12-01', days: 3, server: 's2', gpus: [0, 1], startsAt: '', endsAt: '' },
    { id: 'b', team: 'blue', kind: 'setup', startDate: '2026-12-04', days: 1, server: 's1', gpus: [0, 1], startsAt: '', endsAt: '' },
  ],
  free: [],
};

describe('the calendar grid', () => {
  it('shows who holds each GPU pair per day, marks today, my team and broken pairs', () => {
    const lines = calendarGrid(calendar, { myTeam: 'red' }).split('\n');
    assert.equal(lines[0], 'term 2026-12-01 + 4 days (UTC); today 2026-12-02');
    assert.match(lines[1], /DATE\s+s1 GPU 0,1\s+s1 GPU 2,3\s+s2 GPU 0,1/);
    assert.match(lines[2], /^\s+2026-12-01\s+\.\s+broken\s+\*red\/E$/);
    assert.match(lines[3], /^>\s+2026-12-02\s+\.\s+broken\s+\*red\/E$/);
    assert.match(lines[5], /^\s+2026-12-04\s+blue\/S\s+broken\s+\.$/);
  });

  it('starts from a given day', () => {
    const lines = calendarGrid(calendar, { from: '2026-12-03' }).split('\n');
    assert.match(lines[2], /2026-12-03/);
  });
});

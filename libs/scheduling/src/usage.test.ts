import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { usagePerDay } from './usage';

describe('usage accounting', () => {
  const term = { start: '2026-12-01', days: 28, timeZone: 'UTC' };

  it('splits a run at midnight and counts GPUs and backfill', () => {
    const rows = usagePerDay(term, [
      { team: 'a', fromMs: Date.parse('2026-12-01T22:00:00Z'), toMs: Date.parse('2026-12-02T01:00:00Z'), gpus: 2, backfill: false },
      { team: 'a', fromMs: Date.parse('2026-12-02T05:00:00Z'), toMs: Date.parse('2026-12-02T05:30:00Z'), gpus: 1, backfill: true },
    ]);
    assert.deepEqual(
      rows.map((r) => [r.date, r.gpuHours, r.backfillGpuHours]),
      [
        ['2026-12-01', 4, 0],
        ['2026-12-02', 2.5, 0.5],
      ],
    );
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkFeasibility } from './feasibility';
import { inventoryFromLayout } from './inventory';
import { bookingFixture, calendarFixture } from './slot-fixtures';
import { covers } from './slot-calendar';
import { type SuggestedSlot as SuggestedSlotLike } from './feasibility';

describe('feasibility report', () => {
  it('finds a complete assignment for the full default term (8 teams, 224 GPU-days)', () => {
    const report = checkFeasibility(calendarFixture(), 0);
    assert.equal(report.verdict, 'feasible');
    assert.equal(report.demandPairDays, 112);
    assert.equal(report.freePairDays, 112);
    assert.equal(report.suggestion.length, 48);
    assertValid(report.suggestion);
  });

  it('says no when more is asked than there is, and names the short teams', () => {
    const report = checkFeasibility(calendarFixture({ teamCount: 9 }), 0);
    assert.equal(report.verdict, 'infeasible');
    assert.ok(report.short.length > 0);
    assertValid(report.suggestion);
  });

  it('sees capacity stranded by greedy booking even when the totals match', () => {
    // One pair, 8 days, each team 1 setup + 1 experiment: 8 pair-days asked, 8 free.
    const cal = calendarFixture({
      term: { start: '2026-12-01', days: 8, timeZone: 'UTC' },
      inventory: inventoryFromLayout('2'),
      teams: ['t1', 't2'],
      quotaOverrides: { t1: { setup: 1, experiment: 1 }, t2: { setup: 1, experiment: 1 } },
      bookings: [bookingFixture({ team: 't1', startDay: 1 }), bookingFixture({ team: 't1', startDay: 6, kind: 'setup' })],
    });
    const report = checkFeasibility(cal, 0);
    assert.equal(report.verdict, 'infeasible');
    assert.deepEqual(report.short, [{ team: 't2', kind: 'experiment', missing: 1 }]);
    assert.ok(report.unusedPairs.length > 0);
  });

  it('plans only from today on and skips broken pairs', () => {
    const quota = { setup: 1, experiment: 1 };
    const report = checkFeasibility(calendarFixture({ teamCount: 2, brokenGpus: new Set(['s1:0']), quotaOverrides: { t1: quota, t2: quota } }), 20);
    assert.equal(report.freePairDays, 3 * 8);
    assert.ok(report.suggestion.every((s) => s.startDay >= 20 && !(s.server === 's1' && s.gpus[0] === 0)));
    assert.equal(report.verdict, 'feasible');
  });
});

function assertValid(slots: readonly SuggestedSlotLike[]): void {
  for (let day = 0; day < 28; day++) {
    const here = slots.filter((s) => covers(s, day));
    assert.equal(new Set(here.map((s) => `${s.server}:${s.gpus[0]}`)).size, here.length, `a pair used twice on day ${day}`);
    assert.equal(new Set(here.map((s) => s.team)).size, here.length, `a team twice on day ${day}`);
  }
}

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gpuKey, inventoryFromLayout } from './inventory';
import { calendarFixture } from './slot-fixtures';
import { type Booking, BookingRefusals, type CalendarSnapshot, covers, decideBooking, freeCapacity, SLOT_KINDS, type SlotKind, usageOf } from './slot-calendar';

function book(snapshot: CalendarSnapshot, team: string, kind: SlotKind, startDay: number, today = 0, server?: string): CalendarSnapshot {
  const decision = decideBooking(snapshot, { team, kind, startDay, server }, today);
  assert.ok(decision.ok, decision.ok ? '' : decision.message);
  const booking: Booking = { id: `b${snapshot.bookings.length}`, team, kind, startDay, days: snapshot.rules.lengthDays[kind], server: decision.lane.server, gpus: decision.lane.gpus };
  return { ...snapshot, bookings: [...snapshot.bookings, booking] };
}

function refusal(snapshot: CalendarSnapshot, request: Parameters<typeof decideBooking>[1], today = 0) {
  const decision = decideBooking(snapshot, request, today);
  assert.ok(!decision.ok, 'expected a refusal');
  return decision;
}

describe('booking slots', () => {
  it('gives a slot 2 GPUs on one server and packs slots against each other', () => {
    let cal = book(calendarFixture(), 't1', 'experiment', 0);
    assert.deepEqual(cal.bookings[0].gpus.length, 2);
    cal = book(cal, 't2', 'setup', 3);
    assert.equal(cal.bookings[1].server, cal.bookings[0].server, 'the setup slot continues the same pair');
    assert.deepEqual(cal.bookings[1].gpus, cal.bookings[0].gpus);
  });

  it('refuses a booking in the past, naming the earliest start', () => {
    const r = refusal(calendarFixture(), { team: 't1', kind: 'setup', startDay: 2 }, 5);
    assert.equal(r.code, BookingRefusals.inThePast);
    assert.match(r.message, /2026-12-03 is in the past; the earliest start is today, 2026-12-06/);
  });

  it('refuses a slot that runs past the end of the term', () => {
    assert.equal(refusal(calendarFixture(), { team: 't1', kind: 'experiment', startDay: 26 }).code, BookingRefusals.outsideTerm);
  });

  it('refuses an unknown team and an unknown server', () => {
    assert.equal(refusal(calendarFixture(), { team: 'nobody', kind: 'setup', startDay: 0 }).code, BookingRefusals.unknownTeam);
    assert.match(refusal(calendarFixture(), { team: 't1', kind: 'setup', startDay: 0, server: 's9' }).message, /servers: s1, s2, s3/);
  });

  it('refuses a booking over quota and says how to get one back', () => {
    let cal = calendarFixture();
    cal = book(cal, 't1', 'setup', 0);
    cal = book(cal, 't1', 'setup', 1);
    const r = refusal(cal, { team: 't1', kind: 'setup', startDay: 5 });
    assert.equal(r.code, BookingRefusals.quotaExceeded);
    assert.match(r.message, /all of its 2 setup slots; cancel one/);
  });

  it('honours a per-team quota set by a tutor', () => {
    const cal = book(calendarFixture({ quotaOverrides: { t1: { setup: 1 } } }), 't1', 'setup', 0);
    assert.equal(refusal(cal, { team: 't1', kind: 'setup', startDay: 4 }).code, BookingRefusals.quotaExceeded);
    assert.equal(usageOf(cal, 't1', 0).setup.remaining, 0);
  });

  it('refuses a slot overlapping the team’s own slot', () => {
    const cal = book(calendarFixture(), 't1', 'experiment', 3);
    const r = refusal(cal, { team: 't1', kind: 'setup', startDay: 5 });
    assert.equal(r.code, BookingRefusals.overlapsOwnSlot);
    assert.match(r.message, /from 2026-12-04 to 2026-12-06/);
  });

  it('names the nearest free GPUs when a server is full, the same days on another server first', () => {
    let cal = calendarFixture();
    cal = book(cal, 't1', 'experiment', 0, 0, 's2');
    const r = refusal(cal, { team: 't2', kind: 'experiment', startDay: 1, server: 's2' });
    assert.equal(r.code, BookingRefusals.noFreeGpus);
    assert.match(r.message, /s2 has no 2 free GPUs for all of 2026-12-02 to 2026-12-04; s1 GPUs 0,1 are free from 2026-12-02 00:00/);
  });

  it('never books a pair with a broken GPU', () => {
    const cal = calendarFixture({ inventory: inventoryFromLayout('2'), brokenGpus: new Set(['s1:1']) });
    assert.equal(refusal(cal, { team: 't1', kind: 'setup', startDay: 0 }).code, BookingRefusals.noFreeGpus);
  });

  it('shows the free pairs per day and server', () => {
    const cal = book(calendarFixture(), 't1', 'experiment', 0, 0, 's1');
    const days = freeCapacity(cal, 0);
    assert.deepEqual(days[0].free, { s1: 1, s2: 1, s3: 1 });
    assert.deepEqual(days[3].free, { s1: 2, s2: 1, s3: 1 });
    assert.equal(days.length, 28);
  });

  it('keeps its invariants over any sequence of bookings', () => {
    const request = fc.record({
      team: fc.constantFrom('t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8', 'x'),
      kind: fc.constantFrom<SlotKind>(...SLOT_KINDS),
      startDay: fc.integer({ min: -2, max: 29 }),
      server: fc.option(fc.constantFrom('s1', 's2', 's3'), { nil: undefined }),
      today: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(fc.array(request, { maxLength: 60 }), (requests) => {
        let cal = calendarFixture();
        for (const r of requests) {
          const decision = decideBooking(cal, r, r.today);
          if (decision.ok) {
            const booking = { id: `b${cal.bookings.length}`, team: r.team, kind: r.kind, startDay: r.startDay, days: cal.rules.lengthDays[r.kind], server: decision.lane.server, gpus: decision.lane.gpus };
            cal = { ...cal, bookings: [...cal.bookings, booking] };
          }
        }
        for (let day = 0; day < 28; day++) {
          const gpus = new Set<string>();
          const teams = new Set<string>();
          for (const b of cal.bookings.filter((x) => covers(x, day))) {
            assert.ok(!teams.has(b.team), `team ${b.team} holds two slots on day ${day}`);
            teams.add(b.team);
            for (const index of b.gpus) {
              const key = gpuKey({ server: b.server, index });
              assert.ok(!gpus.has(key), `GPU ${key} booked twice on day ${day}`);
              gpus.add(key);
            }
          }
        }
        for (const b of cal.bookings) assert.ok(b.startDay >= 0 && b.startDay + b.days <= 28, 'inside the term');
        for (const team of cal.teams) {
          const usage = usageOf(cal, team, 0);
          for (const kind of SLOT_KINDS) assert.ok(usage[kind].booked <= usage[kind].quota, `${team} over its ${kind} quota`);
        }
      }),
      { numRuns: 200 },
    );
  });
});

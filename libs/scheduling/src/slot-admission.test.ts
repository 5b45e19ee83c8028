import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gpuKey } from './inventory';
import { type SchedulableJob, planCycle, WaitReasons } from './scheduling-cycle';
import { activeSlot, type CalendarSnapshot, heldGpus } from './slot-calendar';
import { bookingFixture, calendarFixture } from './slot-fixtures';

const calendar: CalendarSnapshot = calendarFixture({
  bookings: [
    bookingFixture({ team: 't1', startDay: 2, server: 's1', gpus: [2, 3] }),
    bookingFixture({ team: 't2', startDay: 0, server: 's2', gpus: [0, 1], kind: 'setup' }),
  ],
});

function job(id: string, overrides: Partial<SchedulableJob> = {}): SchedulableJob {
  return { id, team: 't1', state: 'QUEUED', gpus: 1, createdAt: id, assignedGpus: [], ...overrides };
}

describe('admission inside slots', () => {
  it('holds a team job until its slot and says when and where it will run', () => {
    const plan = planCycle({ inventory: calendar.inventory, jobs: [job('a')], slots: { calendar, day: 0 } });
    assert.equal(plan.placements.length, 0);
    assert.equal(plan.waiting[0].code, WaitReasons.waitingForSlot);
    assert.equal(plan.waiting[0].message, 'waiting for your experiment slot that starts 2026-12-03 00:00 GMT+1 on s1 GPUs 2,3');
    assert.equal(plan.waiting[0].fromDay, 2);
  });

  it("runs a team's jobs only on its slot's GPUs and never on more than 2", () => {
    const jobs = [job('a'), job('b'), job('c'), job('d', { gpus: 4 })];
    const plan = planCycle({ inventory: calendar.inventory, jobs, slots: { calendar, day: 3 } });
    assert.deepEqual(plan.placements.map((p) => p.gpus.map(gpuKey)), [['s1:2'], ['s1:3']]);
    assert.deepEqual(plan.waiting.map((w) => w.code), [WaitReasons.slotBusy, WaitReasons.neverFits]);
  });

  it('lets a priority job jump its own team queue', () => {
    const plan = planCycle({ inventory: calendar.inventory, jobs: [job('a', { gpus: 2 }), job('b', { gpus: 2, priority: true })], slots: { calendar, day: 3 } });
    assert.deepEqual(plan.placements.map((p) => p.jobId), ['b']);
  });

  it('tells a team without a future slot how to get one', () => {
    const plan = planCycle({ inventory: calendar.inventory, jobs: [job('a', { team: 't3' })], slots: { calendar, day: 0 } });
    assert.equal(plan.waiting[0].code, WaitReasons.noSlot);
    assert.match(plan.waiting[0].message, /gpulab slots book/);
  });

  it('puts tutor and preemptible jobs on GPUs that no slot holds', () => {
    const jobs = [job('tutor', { role: 'tutor', gpus: 2 }), job('backfill', { team: 't3', preemptible: true, gpus: 2 })];
    const plan = planCycle({ inventory: calendar.inventory, jobs, slots: { calendar, day: 0 } });
    const held = heldGpus(calendar, 0);
    for (const p of plan.placements) for (const g of p.gpus) assert.ok(!held.has(gpuKey(g)), `${gpuKey(g)} is held by a slot`);
    assert.equal(plan.placements.length, 2);
  });

  it('preempts a job whose slot ended and a backfill job whose GPU a slot now needs', () => {
    const jobs = [
      job('ended', { team: 't2', state: 'RUNNING', assignedGpus: [{ server: 's2', index: 0 }] }),
      job('backfill', { team: 't3', preemptible: true, state: 'RUNNING', assignedGpus: [{ server: 's1', index: 2 }] }),
      job('fine', { team: 't1', state: 'RUNNING', assignedGpus: [{ server: 's1', index: 3 }] }),
    ];
    const plan = planCycle({ inventory: calendar.inventory, jobs, slots: { calendar, day: 2 } });
    assert.deepEqual(plan.preemptions, [
      { jobId: 'ended', reason: "the team's slot has ended" },
      { jobId: 'backfill', reason: 'a booked slot needs s1 GPU 2' },
    ]);
  });

  it('keeps every placed team job inside its active slot, whatever the queue and the day', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ team: fc.constantFrom('t1', 't2', 't3'), gpus: fc.integer({ min: 1, max: 3 }), preemptible: fc.boolean(), role: fc.constantFrom<'member' | 'tutor'>('member', 'member', 'tutor') }), { maxLength: 20 }),
        fc.integer({ min: 0, max: 27 }),
        (specs, day) => {
          const jobs = specs.map((s, i) => job(`j${String(i).padStart(2, '0')}`, s));
          const plan = planCycle({ inventory: calendar.inventory, jobs, slots: { calendar, day } });
          const held = heldGpus(calendar, day);
          const used = new Set<string>();
          for (const p of plan.placements) {
            const j = jobs.find((x) => x.id === p.jobId);
            assert.ok(j);
            for (const g of p.gpus) {
              assert.ok(!used.has(gpuKey(g)), 'a GPU placed twice');
              used.add(gpuKey(g));
            }
            const slot = activeSlot(calendar, j.team, day);
            const inSlot = slot && p.gpus.every((g) => g.server === slot.server && slot.gpus.includes(g.index));
            if (j.role === 'tutor' || (!inSlot && j.preemptible)) assert.ok(p.gpus.every((g) => !held.has(gpuKey(g))), 'backfill on a held GPU');
            else assert.ok(inSlot, 'a team job outside its slot');
          }
          for (const team of ['t1', 't2', 't3']) {
            const slot = activeSlot(calendar, team, day);
            const inSlot = plan.placements.filter((p) => jobs.find((x) => x.id === p.jobId)?.team === team && slot && p.gpus.every((g) => g.server === slot.server && slot.gpus.includes(g.index)));
            assert.ok(inSlot.reduce((n, p) => n + p.gpus.length, 0) <= 2, `${team} uses more than its slot's 2 GPUs`);
          }
        },
      ),
    );
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { changeInventory, relocateBookings } from './inventory-changes';
import { brokenGpuKeys, inventoryFromLayout } from './inventory';
import { planCycle } from './scheduling-cycle';
import { bookingFixture, calendarFixture } from './slot-fixtures';

const inventory = inventoryFromLayout('4,2,2');
const context = { bookings: [], today: 0, busyServers: new Set<string>() };

describe('inventory changes', () => {
  it('adds, drains and removes servers and names the problem when it cannot', () => {
    const added = changeInventory(inventory, { type: 'add-server', name: 's4', gpus: 2 }, context);
    assert.ok(added.ok && added.inventory.servers.length === 4);
    const again = changeInventory(inventory, { type: 'add-server', name: 's1', gpus: 2 }, context);
    assert.ok(!again.ok && /exists already/.test(again.message));
    const busy = changeInventory(inventory, { type: 'remove-server', name: 's2' }, { ...context, bookings: [bookingFixture({ team: 't1', startDay: 3, server: 's2' })] });
    assert.ok(!busy.ok && /drain it and move its slots first/.test(busy.message));
    const drained = changeInventory(inventory, { type: 'drain', name: 's3', drained: true }, context);
    assert.ok(drained.ok && drained.inventory.servers[2].drained);
    const badGpu = changeInventory(inventory, { type: 'gpu', server: 's2', index: 5, broken: true }, context);
    assert.ok(!badGpu.ok && /GPUs 0 to 1, not 5/.test(badGpu.message));
  });

  it('moves slots off a broken pair to a free pair on the same days, and lists the ones it cannot move', () => {
    const broken = changeInventory(inventory, { type: 'gpu', server: 's2', index: 1, broken: true }, context);
    assert.ok(broken.ok);
    const calendar = calendarFixture({
      inventory: broken.inventory,
      brokenGpus: brokenGpuKeys(broken.inventory),
      bookings: [
        bookingFixture({ team: 't1', startDay: 0, server: 's2' }),
        bookingFixture({ team: 't2', startDay: 0, server: 's1', gpus: [0, 1] }),
        bookingFixture({ team: 't3', startDay: 0, server: 's1', gpus: [2, 3] }),
        bookingFixture({ team: 't4', startDay: 1, server: 's3' }),
      ],
    });
    const r = relocateBookings(calendar, 0);
    assert.deepEqual(r.moved, []);
    assert.deepEqual(r.stranded.map((b) => b.team), ['t1']);
    const roomy = relocateBookings({ ...calendar, bookings: calendar.bookings.filter((b) => b.team !== 't4') }, 0);
    assert.deepEqual(roomy.moved.map((m) => [m.booking.team, m.to.server, m.to.gpus]), [['t1', 's3', [0, 1]]]);
  });

  it('stops a job running on a GPU taken out of service and places nothing on it', () => {
    const broken = new Set(['s1:0']);
    const plan = planCycle({
      inventory,
      brokenGpus: broken,
      jobs: [
        { id: 'a', team: 't', role: 'tutor', state: 'RUNNING', gpus: 1, createdAt: '1', assignedGpus: [{ server: 's1', index: 0 }] },
        ...Array.from({ length: 8 }, (_, i) => ({ id: `q${i}`, team: 't', role: 'tutor' as const, state: 'QUEUED' as const, gpus: 1, createdAt: `2${i}`, assignedGpus: [] })),
      ],
    });
    assert.deepEqual(plan.preemptions, [{ jobId: 'a', reason: 's1 GPU 0 was taken out of service' }]);
    assert.ok(plan.placements.every((p) => p.gpus.every((g) => !(g.server === 's1' && g.index === 0))));
  });
});

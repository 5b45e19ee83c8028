import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { inventoryFromLayout } from './inventory';
import { JobQueueIndex } from './job-queue-index';
import { type CycleSnapshot, planCycle, type SchedulableJob } from './scheduling-cycle';
import { bookingFixture, calendarFixture } from './slot-fixtures';

const TEAMS = ['t1', 't2', 't3', 't4'];
const inventory = inventoryFromLayout('4,2,2');
const GPUS = [
  ...[0, 1, 2, 3].map((index) => ({ server: 's1', index })),
  ...[0, 1].map((index) => ({ server: 's2', index })),
  ...[0, 1].map((index) => ({ server: 's3', index })),
];

const jobArb = fc.record({
  team: fc.constantFrom(...TEAMS),
  tutor: fc.boolean(),
  gpus: fc.integer({ min: 1, max: 5 }),
  preemptible: fc.boolean(),
  priority: fc.boolean(),
  state: fc.constantFrom('QUEUED', 'QUEUED', 'QUEUED', 'RUNNING', 'SUCCEEDED'),
  backoff: fc.integer({ min: 0, max: 9 }),
});

/** A random cluster: slots, jobs (some on GPUs, none sharing one), a few in backoff. */
const clusterArb = fc.record({
  jobs: fc.array(jobArb, { maxLength: 120 }),
  slots: fc.array(fc.record({ team: fc.constantFrom(...TEAMS), lane: fc.integer({ min: 0, max: 3 }) }), { maxLength: 4 }),
  broken: fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 2 }),
});

type Cluster = typeof clusterArb extends fc.Arbitrary<infer T> ? T : never;

function build(c: Cluster): { snapshot: CycleSnapshot; jobs: SchedulableJob[] } {
  const lanes = [
    { server: 's1', gpus: [0, 1] },
    { server: 's1', gpus: [2, 3] },
    { server: 's2', gpus: [0, 1] },
    { server: 's3', gpus: [0, 1] },
  ];
  const usedLanes = new Set<number>();
  const usedTeams = new Set<string>();
  const bookings = c.slots.flatMap((s) => {
    if (usedLanes.has(s.lane) || usedTeams.has(s.team)) return [];
    usedLanes.add(s.lane);
    usedTeams.add(s.team);
    return [bookingFixture({ team: s.team, startDay: 0, ...lanes[s.lane] })];
  });
  const calendar = calendarFixture({ teams: TEAMS, bookings });
  const brokenGpus = new Set<string>(c.broken.map((i) => `${GPUS[i].server}:${GPUS[i].index}`));
  const taken = new Set<number>();
  const nowMs = Date.parse('2026-12-01T12:00:00Z');
  const jobs: SchedulableJob[] = c.jobs.map((j, i) => {
    let state = j.state as SchedulableJob['state'];
    let assignedGpus: SchedulableJob['assignedGpus'] = [];
    if (state === 'RUNNING') {
      const gpu = GPUS.findIndex((_, g) => !taken.has(g) && !brokenGpus.has(`${GPUS[g].server}:${GPUS[g].index}`));
      if (gpu < 0) state = 'QUEUED';
      else {
        taken.add(gpu);
        assignedGpus = [GPUS[gpu]];
      }
    }
    return {
      id: `j${String(i).padStart(3, '0')}`,
      team: j.tutor ? 'tutors' : j.team,
      role: j.tutor ? 'tutor' : 'member',
      state,
      gpus: state === 'RUNNING' ? 1 : j.gpus,
      createdAt: '2026-12-01T00:00:00.000Z',
      assignedGpus,
      preemptible: j.preemptible,
      priority: j.priority,
      notBefore: j.backoff === 0 ? new Date(nowMs + 1000).toISOString() : j.backoff === 1 ? new Date(nowMs - 1000).toISOString() : undefined,
    };
  });
  return { snapshot: { inventory, jobs, slots: { calendar, day: 0 }, brokenGpus, nowMs }, jobs };
}

describe('the queue index', () => {
  it('gives a cycle the few jobs that decide exactly what a walk of the whole queue decides', () => {
    fc.assert(
      fc.property(clusterArb, (c) => {
        const { snapshot, jobs } = build(c);
        const index = new JobQueueIndex();
        for (const j of jobs) index.upsert(j);
        const { jobs: _all, ...rest } = snapshot;
        const few = index.candidates(rest);
        const whole = planCycle(snapshot);
        const part = planCycle({ ...snapshot, jobs: few });
        assert.deepEqual(part.placements, whole.placements);
        assert.deepEqual(part.preemptions, whole.preemptions);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a job queued again in its place, and forgets a job that ended', () => {
    const index = new JobQueueIndex();
    const job = (id: string, state: SchedulableJob['state'] = 'QUEUED'): SchedulableJob => ({ id, team: 't1', state, gpus: 1, createdAt: '', assignedGpus: [] });
    for (const id of ['a', 'b', 'c']) index.upsert(job(id));
    index.upsert(job('a', 'RUNNING'));
    assert.equal(index.position('b'), 1);
    index.upsert(job('a', 'QUEUED'));
    assert.deepEqual([...index.positions('t1')], [['a', 1], ['b', 2], ['c', 3]]);
    index.upsert(job('b', 'SUCCEEDED'));
    assert.equal(index.get('b'), undefined);
    assert.equal(index.position('c'), 2);
    index.upsert(job('d'));
    index.upsert({ ...job('p'), priority: true });
    assert.deepEqual(['a', 'c', 'd', 'p'].map((id) => index.position(id)), [2, 3, 4, 1], 'a priority job goes first; the newest job is last');
  });

  it('looks at a bounded number of jobs however long the queue is', () => {
    const index = new JobQueueIndex();
    for (let i = 0; i < 10_000; i++) index.upsert({ id: `q${i}`, team: TEAMS[i % 4], state: 'QUEUED', gpus: 1 + (i % 2), createdAt: '', assignedGpus: [], preemptible: i % 3 === 0 });
    const calendar = calendarFixture({ teams: TEAMS, bookings: [bookingFixture({ team: 't1', startDay: 0 })] });
    const few = index.candidates({ inventory, slots: { calendar, day: 0 } });
    assert.ok(few.length <= 40, `${few.length} candidates`);
  });
});

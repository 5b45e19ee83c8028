import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type GpuAddress, brokenGpuKeys, gpuKey } from './inventory';
import { changeInventory, relocateBookings } from './inventory-changes';
import { type JobRecord } from '@gpulab/contracts';
import { holdsGpus } from './job-lifecycle';
import { applyTransition, type Decision, onPlaced, onPreemptionNotice, onReport, onWorkerExit, type RetryPolicy } from './job-transitions';
import { type SchedulableJob, planCycle } from './scheduling-cycle';
import { activeSlot, type Booking, type CalendarSnapshot, covers, decideBooking, heldGpus, SLOT_KINDS, type SlotKind, usageOf } from './slot-calendar';
import { calendarFixture } from './slot-fixtures';

const TEAMS = ['t1', 't2', 't3', 't4'];

type Command =
  | { type: 'book'; team: string; kind: SlotKind; startDay: number; server?: string }
  | { type: 'cancel'; pick: number }
  | { type: 'gpu'; server: string; index: number; broken: boolean }
  | { type: 'submit'; team: string; tutor: boolean; gpus: number; preemptible: boolean; priority: boolean }
  | { type: 'finish'; pick: number }
  | { type: 'lose-worker'; pick: number }
  | { type: 'tick'; hours: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ type: fc.constant('book' as const), team: fc.constantFrom(...TEAMS), kind: fc.constantFrom<SlotKind>(...SLOT_KINDS), startDay: fc.integer({ min: 0, max: 27 }), server: fc.option(fc.constantFrom('s1', 's2', 's3'), { nil: undefined }) }),
  fc.record({ type: fc.constant('cancel' as const), pick: fc.nat() }),
  fc.record({ type: fc.constant('gpu' as const), server: fc.constantFrom('s1', 's2', 's3'), index: fc.integer({ min: 0, max: 1 }), broken: fc.boolean() }),
  fc.record({ type: fc.constant('submit' as const), team: fc.constantFrom(...TEAMS), tutor: fc.boolean(), gpus: fc.integer({ min: 1, max: 3 }), preemptible: fc.boolean(), priority: fc.boolean() }),
  fc.record({ type: fc.constant('finish' as const), pick: fc.nat() }),
  fc.record({ type: fc.constant('lose-worker' as const), pick: fc.nat() }),
  fc.record({ type: fc.constant('tick' as const), hours: fc.integer({ min: 1, max: 60 }) }),
);

const retry: RetryPolicy = { maxAttempts: 3, backoffMs: 0, maxBackoffMs: 0 };

function apply(job: JobRecord, decision: Decision, now: string): JobRecord {
  return decision.reduce((j, t) => applyTransition(j, t, now), job);
}

/**
 * The whole decision core driven by random sequences of bookings, cancellations, inventory
 * changes, submissions, job ends, lost workers and clock ticks, as the scheduler service drives
 * it; the cluster's rules are checked after every step.
 */
describe('the scheduling core under random sequences of events', () => {
  it('keeps every rule of the cluster after every step', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 80 }), (commands) => {
        let calendar: CalendarSnapshot = calendarFixture({ teams: TEAMS });
        let jobs: JobRecord[] = [];
        let hour = 0;
        let seq = 0;
        const running = () => jobs.filter((j) => holdsGpus(j.state));
        const at = () => new Date(Date.UTC(2026, 11, 1) + hour * 3_600_000).toISOString();
        for (const c of commands) {
          const today = Math.floor(hour / 24);
          if (today >= 28) break;
          switch (c.type) {
            case 'book': {
              const d = decideBooking(calendar, c, today);
              if (d.ok) {
                const b: Booking = { id: `b${seq++}`, team: c.team, kind: c.kind, startDay: c.startDay, days: calendar.rules.lengthDays[c.kind], server: d.lane.server, gpus: d.lane.gpus };
                calendar = { ...calendar, bookings: [...calendar.bookings, b] };
              }
              break;
            }
            case 'cancel': {
              const future = calendar.bookings.filter((b) => b.startDay > today);
              if (future.length) {
                const gone = future[c.pick % future.length];
                calendar = { ...calendar, bookings: calendar.bookings.filter((b) => b !== gone) };
              }
              break;
            }
            case 'gpu': {
              const d = changeInventory(calendar.inventory, c, { bookings: calendar.bookings, today, busyServers: new Set() });
              if (d.ok) {
                calendar = { ...calendar, inventory: d.inventory, brokenGpus: brokenGpuKeys(d.inventory) };
                const r = relocateBookings(calendar, today);
                calendar = {
                  ...calendar,
                  bookings: calendar.bookings.map((b) => {
                    const m = r.moved.find((x) => x.booking.id === b.id);
                    return m ? { ...b, server: m.to.server, gpus: m.to.gpus } : b;
                  }),
                };
              }
              break;
            }
            case 'submit':
              jobs.push({
                id: `j${String(seq++).padStart(4, '0')}`,
                team: c.tutor ? 'tutors' : c.team,
                submittedBy: 'm',
                role: c.tutor ? 'tutor' : 'member',
                state: 'QUEUED',
                kind: 'noop',
                params: {},
                input: { source: 'none' },
                attempt: 0,
                gpus: c.gpus,
                createdAt: at(),
                assignedGpus: [],
                preemptible: c.preemptible,
                priority: c.priority,
              });
              break;
            case 'finish':
            case 'lose-worker': {
              const r = running();
              if (r.length) {
                const job = r[c.pick % r.length];
                // The service's own decisions: a worker's result, or its worker's exit without one.
                const decision =
                  c.type === 'finish'
                    ? onReport(job, { type: 'result', attempt: job.attempt, resultRef: `jobs/${job.id}/result.json` }, retry, at())
                    : onWorkerExit(job, { attempt: job.attempt, code: null, signal: 'SIGKILL' }, retry, at());
                jobs = jobs.map((j) => (j === job ? apply(j, decision, at()) : j));
              }
              break;
            }
            case 'tick':
              hour += c.hours;
              break;
          }
          const day = Math.floor(hour / 24);
          if (day >= 28) break;
          // One cycle, its preemptions carried out (workers stop), then placements.
          const now = at();
          const plan = planCycle({ inventory: calendar.inventory, jobs, slots: { calendar, day }, brokenGpus: calendar.brokenGpus });
          const preempted = new Map(plan.preemptions.map((p) => [p.jobId, p.reason]));
          // A stop notice, then the worker's exit: PREEMPTED and QUEUED again, by the real decisions.
          jobs = jobs.map((j) => {
            const reason = preempted.get(j.id);
            if (reason === undefined) return j;
            const noticed = { ...j, ...onPreemptionNotice(j, reason, now) };
            return apply(noticed, onWorkerExit(noticed, { attempt: noticed.attempt, code: 0, signal: null }, retry, now), now);
          });
          const after = planCycle({ inventory: calendar.inventory, jobs, slots: { calendar, day }, brokenGpus: calendar.brokenGpus });
          const placed = new Map(after.placements.map((p) => [p.jobId, p.gpus]));
          jobs = jobs.map((j) => {
            const gpus = placed.get(j.id);
            if (!gpus) return j;
            const scheduled = applyTransition(j, onPlaced(j, gpus as GpuAddress[], { now, inSlot: true }), now);
            return apply(scheduled, onReport(scheduled, { type: 'started', attempt: scheduled.attempt, time: now }, retry, now), now);
          });
          assertRules(calendar, jobs, day);
          for (const j of jobs) {
            const failures = (j.attempts ?? []).filter((a) => a.outcome === 'retried' || a.outcome === 'failed').length;
            assert.ok(failures <= retry.maxAttempts, `${j.id} failed more than ${retry.maxAttempts} times`);
            // A job ends only by its own result or its last allowed failure, never by preemptions.
            if (j.state === 'FAILED') assert.equal(failures, retry.maxAttempts, `${j.id} failed after ${failures} failures`);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

function assertRules(calendar: CalendarSnapshot, jobs: readonly SchedulableJob[], day: number): void {
  for (let d = 0; d < 28; d++) {
    const pairs = new Set<string>();
    const teams = new Set<string>();
    for (const b of calendar.bookings.filter((x) => covers(x, d))) {
      const pair = `${b.server}:${b.gpus[0]}`;
      assert.ok(!pairs.has(pair), `GPU pair ${pair} booked twice on day ${d}`);
      assert.ok(!teams.has(b.team), `team ${b.team} holds two slots on day ${d}`);
      pairs.add(pair);
      teams.add(b.team);
    }
  }
  for (const team of calendar.teams) {
    const usage = usageOf(calendar, team, day);
    for (const kind of SLOT_KINDS) assert.ok(usage[kind].booked <= usage[kind].quota, `${team} over its ${kind} quota`);
  }
  const held = heldGpus(calendar, day);
  const busy = new Set<string>();
  const ids = new Set<string>();
  for (const job of jobs) {
    assert.ok(!ids.has(job.id), `job ${job.id} twice`);
    ids.add(job.id);
    if (job.state !== 'RUNNING') continue;
    for (const g of job.assignedGpus) {
      assert.ok(!busy.has(gpuKey(g)), `GPU ${gpuKey(g)} runs two jobs`);
      assert.ok(!calendar.brokenGpus.has(gpuKey(g)), `a job runs on broken GPU ${gpuKey(g)}`);
      busy.add(gpuKey(g));
    }
    const slot = job.role === 'tutor' ? undefined : activeSlot(calendar, job.team, day);
    const inSlot = slot !== undefined && job.assignedGpus.every((g) => g.server === slot.server && slot.gpus.includes(g.index));
    if (!inSlot) {
      assert.ok(job.role === 'tutor' || job.preemptible, `team job ${job.id} runs outside its team's slot`);
      assert.ok(job.assignedGpus.every((g) => !held.has(gpuKey(g))), `${job.id} runs on a GPU a slot holds`);
    }
  }
}

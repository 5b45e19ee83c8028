import { type GpuAddress } from '@gpulab/contracts';
import {
  type Booking,
  type CalendarSnapshot,
  checkFeasibility,
  DEFAULT_SLOT_RULES,
  inventoryFromLayout,
  planCycle,
  type SchedulableJob,
} from '@gpulab/scheduling';
import { seeded } from './stats';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface ReplayResult {
  jobs: number;
  cycles: number;
  decisions: number;
  planMs: number;
  cycleMs: number[];
  /** Cycle times of the cycles that followed a GPU becoming free and started a job. */
  freeToStartMs: number[];
  completed: number;
  preemptions: number;
  /** Jobs by state when the term ended. */
  finalStates: Record<string, number>;
}

/** The course's full term: 8 teams, every slot booked (the feasibility report's assignment). */
export function fullTermCalendar(): CalendarSnapshot {
  const empty: CalendarSnapshot = {
    term: { start: '2026-12-01', days: 28, timeZone: 'UTC' },
    rules: DEFAULT_SLOT_RULES,
    inventory: inventoryFromLayout('4,2,2'),
    brokenGpus: new Set(),
    teams: Array.from({ length: 8 }, (_, i) => `t${i + 1}`),
    quotaOverrides: {},
    bookings: [],
  };
  const report = checkFeasibility(empty, 0);
  const bookings: Booking[] = report.suggestion.map((s, i) => ({ id: `b${i}`, team: s.team, kind: s.kind, startDay: s.startDay, days: s.days, server: s.server, gpus: s.gpus }));
  return { ...empty, bookings };
}

interface SimJob extends SchedulableJob {
  remainingMs: number;
  startedAt?: number;
}

/**
 * Replays a term through the pure core: jobs arrive over the term, run for their duration
 * inside their team's slots, are preempted at slot ends and resume in the next slot.
 */
export function replayTerm(jobCount: number, seed = 42): ReplayResult {
  const calendar = fullTermCalendar();
  const random = seeded(seed);
  const jobs: SimJob[] = Array.from({ length: jobCount }, (_, i) => ({
    id: `j${String(i).padStart(6, '0')}`,
    team: `t${1 + Math.floor(random() * 8)}`,
    role: 'member',
    state: 'QUEUED',
    gpus: random() < 0.8 ? 1 : 2,
    createdAt: '',
    assignedGpus: [],
    priority: random() < 0.05,
    preemptible: random() < 0.1,
    remainingMs: Math.round((0.1 + random() * 0.6) * HOUR),
  }));
  // Students submit around their slots: each job arrives during one of its team's slots or the day before.
  const arrivals = jobs
    .map((j) => {
      const mine = calendar.bookings.filter((b) => b.team === j.team);
      const slot = mine[Math.floor(random() * mine.length)];
      const at = Math.max(0, (slot.startDay - 1) * DAY + Math.floor(random() * (slot.days + 1) * DAY * 0.9));
      return { at, job: j };
    })
    .sort((a, b) => a.at - b.at);
  arrivals.forEach((a) => (a.job.createdAt = String(a.at).padStart(12, '0')));

  type Event = { at: number; kind: 'arrive' | 'finish' | 'day'; job?: SimJob };
  const events: Event[] = [...arrivals.map((a) => ({ at: a.at, kind: 'arrive' as const, job: a.job })), ...Array.from({ length: 28 }, (_, d) => ({ at: d * DAY, kind: 'day' as const }))];
  const active = new Map<string, SimJob>();
  const result: ReplayResult = { jobs: jobCount, cycles: 0, decisions: 0, planMs: 0, cycleMs: [], freeToStartMs: [], completed: 0, preemptions: 0, finalStates: {} };
  const push = (e: Event) => {
    // Keep events sorted by time; the list stays short enough for a binary insert.
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (events[mid].at <= e.at) lo = mid + 1;
      else hi = mid;
    }
    events.splice(lo, 0, e);
  };
  events.sort((a, b) => a.at - b.at);

  while (events.length > 0) {
    const event = events.shift() as Event;
    const now = event.at;
    let freed = false;
    if (event.kind === 'arrive' && event.job) active.set(event.job.id, event.job);
    if (event.kind === 'finish' && event.job) {
      const job = event.job;
      if (job.state !== 'RUNNING' || job.startedAt === undefined || now - job.startedAt < job.remainingMs) continue; // a stale finish of a preempted run
      job.state = 'SUCCEEDED';
      active.delete(job.id);
      result.completed++;
      freed = true;
    }
    const day = Math.floor(now / DAY);
    if (day >= 28) break;
    // A cycle that preempts runs again once those workers have stopped (here: at once), as the
    // scheduler does when it hears their exits.
    for (let again = true; again; ) {
      const started = performance.now();
      const plan = planCycle({ inventory: calendar.inventory, jobs: [...active.values()], slots: { calendar, day } });
      const ms = performance.now() - started;
      result.cycles++;
      result.planMs += ms;
      result.cycleMs.push(ms);
      result.decisions += plan.placements.length + plan.waiting.length + plan.preemptions.length;
      if (freed && plan.placements.length > 0) result.freeToStartMs.push(ms);
      freed = false;
      for (const p of plan.preemptions) {
        const job = active.get(p.jobId);
        if (!job || job.startedAt === undefined) continue;
        job.remainingMs = Math.max(job.remainingMs - (now - job.startedAt), 1);
        job.state = 'QUEUED';
        job.assignedGpus = [];
        job.startedAt = undefined;
        result.preemptions++;
      }
      for (const p of plan.placements) {
        const job = active.get(p.jobId);
        if (!job) continue;
        job.state = 'RUNNING';
        job.assignedGpus = p.gpus as GpuAddress[];
        job.startedAt = now;
        push({ at: now + job.remainingMs, kind: 'finish', job });
      }
      again = plan.preemptions.length > 0;
    }
  }
  for (const job of jobs) result.finalStates[job.state] = (result.finalStates[job.state] ?? 0) + 1;
  return result;
}

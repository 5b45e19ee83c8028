import { isTutor, type JobRecord, type JobWaiting, JobStates } from '@gpulab/contracts';
import {
  activeSlot,
  type CalendarSnapshot,
  dayDate,
  dayStartMs,
  drainedServers,
  explainWaiting,
  freeGpus,
  heldGpus,
  type Inventory,
  onLaunchFailed,
  onPlaced,
  onPreemptionNotice,
  planCycle,
  type Placement,
  type Preemption,
  withWorker,
} from '@gpulab/scheduling';
import { type PinoLogger } from 'nestjs-pino';
import { type CalendarStore } from './calendar-store';
import { calendarSnapshot, today } from './calendar-snapshot';
import { type Clock } from './clock';
import { type JobEvents } from './job-events';
import { type JobStore } from './job-store';
import { type JobTransitioner } from './job-transitioner';
import { type Launcher } from './launcher';
import { type TeamDirectory } from './team-directory';

/** The named steps of a cycle, each timed. */
export const CycleSteps = ['snapshot', 'plan', 'preempt', 'launch', 'waiting'] as const;
export type CycleStep = (typeof CycleSteps)[number];

/** Hears each step's duration, each placement and each preemption (the metrics). */
export interface CycleObserver {
  observeStep(step: CycleStep, seconds: number): void;
  placed(job: JobRecord): void;
  preempted(): void;
}

/** Day timers are re-armed at least this often, so a changed clock or a long sleep is caught up. */
const MAX_TIMER_MS = 3_600_000;

/** The cluster as the latest cycle left it: what a queued job is told when it is read. */
interface ClusterView {
  inventory: Inventory;
  slots: { calendar: CalendarSnapshot; day: number };
  free: Set<string>;
  unheld: Set<string>;
  nowMs: number;
}

export interface CycleRunnerDeps {
  log: PinoLogger;
  clock: Clock;
  store: JobStore;
  events: JobEvents;
  launcher: Launcher;
  calendar: CalendarStore;
  teams: TeamDirectory;
  transitioner: JobTransitioner;
  preemptGraceMs: number;
  observer?: CycleObserver;
}

/**
 * One scheduling cycle in named steps: snapshot (the calendar and the few jobs that can change,
 * from the queue index), plan (the pure core), preempt, launch, and waiting (the view queued jobs
 * are explained from). Cycles are asked for, not run inline: requests that arrive together are
 * served by one cycle.
 */
export class CycleRunner {
  private view?: ClusterView;
  private dayTimer?: NodeJS.Timeout;
  private wakeTimer?: NodeJS.Timeout;
  private wakeAtMs = Infinity;
  private closed = false;

  constructor(private readonly d: CycleRunnerDeps) {}

  open(): void {
    this.closed = false;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.dayTimer);
    clearTimeout(this.wakeTimer);
    this.wakeAtMs = Infinity;
  }

  /** Runs one cycle; the caller is inside the serial executor. */
  async run(): Promise<void> {
    const { log, clock, store, calendar } = this.d;
    const times: Partial<Record<CycleStep, number>> = {};
    let mark = performance.now();
    const step = (name: CycleStep) => {
      const now = performance.now();
      times[name] = Math.round((now - mark) * 100) / 100;
      this.d.observer?.observeStep(name, (now - mark) / 1000);
      mark = now;
    };

    const snapshot = calendarSnapshot(calendar, this.d.teams);
    const day = this.today();
    const nowMs = clock.now().getTime();
    const base = { inventory: snapshot.inventory, slots: { calendar: snapshot, day }, brokenGpus: snapshot.brokenGpus, drainedServers: drainedServers(snapshot.inventory), nowMs };
    const jobs = store.queue.candidates(base);
    step('snapshot');
    const plan = planCycle({ ...base, jobs });
    step('plan');
    await Promise.all(plan.preemptions.map((p) => this.preempt(p)));
    step('preempt');
    // Launches are independent (one job, one key each): they go out together.
    await Promise.all(plan.placements.map((p) => this.place(p, snapshot, day)));
    step('launch');
    const free = freeGpus({ ...base, jobs: store.queue.onGpus() });
    const held = heldGpus(snapshot, day);
    this.view = { inventory: snapshot.inventory, slots: base.slots, free, unheld: new Set([...free].filter((k) => !held.has(k))), nowMs };
    step('waiting');
    if (plan.placements.length > 0 || plan.preemptions.length > 0) {
      log.info({ placed: plan.placements.length, preempted: plan.preemptions.length, considered: jobs.length, unfinished: store.queue.size, ms: times }, 'scheduling cycle');
    }
    this.armDayTimer(day);
  }

  /** Why a queued job waits and its place in its team's queue; undefined for any other job. */
  waitingOf(job: JobRecord, position = this.d.store.queue.position(job.id)): JobWaiting | undefined {
    if (job.state !== JobStates.queued || !this.view) return undefined;
    const w = explainWaiting(job, { ...this.view, nowMs: this.d.clock.now().getTime(), position: position ?? 0 });
    return { code: w.code, message: w.message, fromDay: w.fromDay === undefined ? undefined : dayDate(this.d.calendar.term, w.fromDay), position };
  }

  /** A cycle at `ms` (a retry backoff ending), earlier timers kept. */
  wakeAt(ms: number, wake: () => void): void {
    if (this.closed || ms >= this.wakeAtMs) return;
    clearTimeout(this.wakeTimer);
    this.wakeAtMs = ms;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeAtMs = Infinity;
        wake();
      },
      Math.max(ms - this.d.clock.now().getTime(), 0) + 5,
    );
    this.wakeTimer.unref();
  }

  /** Slots begin and end at midnight of the term's zone: a cycle runs then. */
  onDayChange(wake: () => void): void {
    this.dayWake = wake;
  }

  private dayWake: () => void = () => undefined;

  private armDayTimer(day: number): void {
    if (this.closed) return;
    clearTimeout(this.dayTimer);
    const next = dayStartMs(this.d.calendar.term, day + 1) - this.d.clock.now().getTime();
    this.dayTimer = setTimeout(() => this.dayWake(), Math.min(Math.max(next, 0) + 50, MAX_TIMER_MS));
    this.dayTimer.unref();
  }

  private today(): number {
    return today(this.d.calendar, this.d.clock.now().getTime());
  }

  private async preempt(preemption: Preemption): Promise<void> {
    const { store, events, launcher, log, clock } = this.d;
    const job = store.get(preemption.jobId);
    if (!job) return;
    const notice = onPreemptionNotice(job, preemption.reason, clock.now().toISOString());
    if (!notice) return;
    await store.update(job.id, (j) => ({ ...j, ...notice }));
    await events.publish(job.id, job.attempt, {
      type: 'log',
      level: 'warn',
      message: `stop notice: ${preemption.reason}; the job has ${Math.round(this.d.preemptGraceMs / 1000)} s to checkpoint`,
    });
    log.info({ jobId: job.id, team: job.team, reason: preemption.reason }, 'job preempted');
    launcher.stop(job.id, this.d.preemptGraceMs);
    this.d.observer?.preempted();
  }

  private async place(placement: Placement, snapshot: CalendarSnapshot, day: number): Promise<void> {
    const { store, launcher, clock, transitioner } = this.d;
    const job = store.get(placement.jobId);
    if (!job) return;
    const slot = isTutor(job) ? undefined : activeSlot(snapshot, job.team, day);
    const inSlot = slot !== undefined && placement.gpus.every((g) => g.server === slot.server && slot.gpus.includes(g.index));
    const slotEndsAt = inSlot ? new Date(dayStartMs(this.d.calendar.term, slot.startDay + slot.days)).toISOString() : undefined;
    const scheduled = await transitioner.apply(job, [onPlaced(job, placement.gpus, { now: clock.now().toISOString(), inSlot, slotEndsAt })]);
    this.d.observer?.placed(scheduled);
    try {
      const slotEndMs = inSlot ? dayStartMs(snapshot.term, slot.startDay + slot.days) : undefined;
      const { handle } = await launcher.launch(scheduled, placement.gpus, { slotEndMs });
      await store.update(job.id, (j) => withWorker(j, handle));
    } catch (error) {
      const current = store.get(job.id) ?? scheduled;
      await transitioner.apply(current, onLaunchFailed(current, (error as Error).message, clock.now().toISOString()));
    }
  }
}

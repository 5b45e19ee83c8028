import { randomBytes } from 'node:crypto';
import {
  type AddBenchScheduleCommand,
  base32Id,
  BENCH_FIRINGS_KEPT,
  BENCH_SCHEDULE_ID_PATTERN,
  type BenchFiring,
  BenchFiringOutcomes,
  type BenchScheduleRecord,
  type BenchScheduleRef,
  type BenchScheduleView,
  type Caller,
  ErrorCodes,
  ErrorReasons,
  isTerminalState,
  isTutor,
  type JobRecord,
  type JobRef,
  type JobReply,
  type PauseBenchScheduleCommand,
  type SubmitCommand,
} from '@gpulab/contracts';
import { type CronTimes, dueFirings, missedFiring, parseCron, settleFiring } from '@gpulab/scheduling';
import { type BenchScheduleStore, type StoredBenchSchedule } from './bench-schedule-store';
import { type Clock } from './clock';
import { CommandError, invalid, RevisionConflictError } from './errors';

/** The job kind a schedule submits. */
const BENCHMARK_KIND = 'benchmark';

/** Checks are re-armed at least this often, so a changed clock or a long sleep is caught up. */
const MAX_TIMER_MS = 3_600_000;

/** What the schedules need of the scheduler: its jobs, submitted and cancelled as a tutor's. */
export interface BenchScheduleJobs {
  submit(command: SubmitCommand): Promise<JobReply>;
  cancel(ref: JobRef): Promise<JobReply>;
  job(id: string): JobRecord | undefined;
}

/** Where the schedules log: the scheduler's logger. */
export interface BenchScheduleLog {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface BenchSchedulerDeps {
  log: BenchScheduleLog;
  clock: Clock;
  store: BenchScheduleStore;
  jobs: BenchScheduleJobs;
  /** The term's IANA zone, which cron expressions are read in. */
  timeZone: () => string;
  /** @default 8 random base32 letters */
  newId?: () => string;
}

/**
 * Tutors' benchmark schedules: the commands that keep them, and the check that fires them. A
 * check settles each schedule's last firing (started, or skipped at the end of its period), then
 * records the firing due, if any, with compare-and-set, and submits its jobs. The jobs' ids come
 * from the schedule and the instant, so a check that is repeated (another scheduler, a restart
 * between the record and the submissions) submits each job once.
 */
export class BenchScheduler {
  private timer?: NodeJS.Timeout;
  private checking: Promise<void> = Promise.resolve();
  private closed = true;
  private readonly newId: () => string;

  constructor(private readonly d: BenchSchedulerDeps) {
    this.newId = d.newId ?? (() => base32Id(randomBytes(5)));
  }

  /** Checks now and from then on at every firing; again each time this scheduler leads. */
  async start(): Promise<void> {
    this.closed = false;
    await this.check();
  }

  /** Safe to call twice. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  async add(command: AddBenchScheduleCommand): Promise<BenchScheduleView> {
    tutorOnly(command.caller);
    const timeZone = this.d.timeZone();
    const times = this.timesOf({ cron: command.cron, timeZone });
    if (command.batchSizes.length === 0 || command.jobParams.length !== command.batchSizes.length) {
      throw invalid('a schedule needs one or more batch sizes, each with its job parameters', { field: 'batch_sizes' });
    }
    const now = this.d.clock.now().toISOString();
    const record: BenchScheduleRecord = {
      id: `bs-${this.newId()}`,
      cron: command.cron.trim().split(/\s+/).join(' '),
      timeZone,
      model: command.model,
      backends: command.backends,
      batchSizes: command.batchSizes,
      ...(command.images !== undefined ? { images: command.images } : {}),
      ...(command.inputSize !== undefined ? { inputSize: command.inputSize } : {}),
      jobParams: command.jobParams,
      paused: false,
      createdAt: now,
      createdBy: command.caller.name,
      since: now,
      firings: [],
    };
    await this.d.store.create(record);
    this.d.log.info({ schedule: record.id, cron: record.cron, timeZone, model: record.model, by: record.createdBy }, 'benchmark schedule added');
    void this.check();
    return view(record, times, this.d.clock.now().getTime());
  }

  async list(query: { caller: Caller }): Promise<BenchScheduleView[]> {
    tutorOnly(query.caller);
    // A check first, so the last firings read as they stand now (a job that has started since).
    await this.check();
    const nowMs = this.d.clock.now().getTime();
    return (await this.d.store.all()).map(({ record }) => view(record, this.timesOf(record), nowMs));
  }

  async remove(ref: BenchScheduleRef): Promise<BenchScheduleView> {
    tutorOnly(ref.caller);
    const stored = await this.find(ref.scheduleId);
    await this.d.store.remove(stored);
    this.d.log.info({ schedule: stored.record.id, by: ref.caller.name }, 'benchmark schedule removed');
    return view(stored.record, undefined, this.d.clock.now().getTime());
  }

  /** A paused schedule does not fire; resumed, it fires from now on, not the firings it slept through. */
  async pause(command: PauseBenchScheduleCommand): Promise<BenchScheduleView> {
    tutorOnly(command.caller);
    for (;;) {
      const stored = await this.find(command.scheduleId);
      if (stored.record.paused === command.paused) return view(stored.record, this.timesOf(stored.record), this.d.clock.now().getTime());
      const now = this.d.clock.now();
      const record = { ...stored.record, paused: command.paused, ...(command.paused ? {} : { since: now.toISOString() }) };
      try {
        await this.d.store.update(stored, record);
      } catch (error) {
        if (error instanceof RevisionConflictError) continue;
        throw error;
      }
      this.d.log.info({ schedule: record.id, paused: record.paused, by: command.caller.name }, command.paused ? 'benchmark schedule paused' : 'benchmark schedule resumed');
      void this.check();
      return view(record, this.timesOf(record), now.getTime());
    }
  }

  /** Settles and fires every schedule as of now, one check at a time; tests call it after moving the clock. */
  check(): Promise<void> {
    const run = this.checking.then(() => this.checkAll());
    this.checking = run.catch((err: unknown) => this.d.log.error({ err }, 'benchmark schedules not checked'));
    return this.checking;
  }

  private async checkAll(): Promise<void> {
    if (this.closed) return;
    let wakeMs = Infinity;
    for (const stored of await this.d.store.all()) {
      try {
        wakeMs = Math.min(wakeMs, await this.checkOne(stored));
      } catch (error) {
        // Another scheduler wrote it first (it fired or settled the firing: the next check reads
        // its record), or a submission failed: either way the others are still checked.
        if (!(error instanceof RevisionConflictError)) this.d.log.error({ err: error, schedule: stored.record.id }, 'benchmark schedule not checked');
        wakeMs = Math.min(wakeMs, this.d.clock.now().getTime() + 1_000);
      }
    }
    this.arm(wakeMs);
  }

  /** One schedule's steps, settle → fire → submit; answers when to look at it again. */
  private async checkOne(stored: StoredBenchSchedule): Promise<number> {
    const nowMs = this.d.clock.now().getTime();
    const times = this.timesOf(stored.record);
    const settled = await this.settle(stored, nowMs);
    const current = settled.record.paused ? settled : await this.fire(settled, times, nowMs);
    await this.submitMissing(current.record, nowMs);
    const open = lastFiring(current.record);
    const deadlineMs = open?.outcome === BenchFiringOutcomes.submitted ? Date.parse(open.deadline) : Infinity;
    return Math.min(current.record.paused ? Infinity : (times.next(nowMs) ?? Infinity), deadlineMs);
  }

  /** The last firing started, or skipped at its deadline with its waiting jobs cancelled. */
  private async settle(stored: StoredBenchSchedule, nowMs: number): Promise<StoredBenchSchedule> {
    const last = lastFiring(stored.record);
    if (!last) return stored;
    const jobs = last.jobIds.map((id) => ({ id, started: (this.d.jobs.job(id)?.attempt ?? 0) > 0 }));
    const settled = settleFiring(last, jobs, nowMs, stored.record.timeZone);
    if (!settled) return stored;
    for (const id of settled.cancel) await this.cancelJob(stored.record, id);
    const updated = await this.d.store.update(stored, { ...stored.record, firings: [...stored.record.firings.slice(0, -1), settled.firing] });
    this.d.log.info({ schedule: stored.record.id, at: settled.firing.at, outcome: settled.firing.outcome, reason: settled.firing.reason, cancelled: settled.cancel }, 'benchmark firing settled');
    return updated;
  }

  /** Records the firing due, if any, after a skipped one for those missed; its jobs are submitted next. */
  private async fire(stored: StoredBenchSchedule, times: CronTimes, nowMs: number): Promise<StoredBenchSchedule> {
    const { record } = stored;
    const due = dueFirings(times, Date.parse(record.since), nowMs);
    if (!due.fire) return stored;
    const atMs = due.fire.atMs;
    const firing: BenchFiring = {
      at: new Date(atMs).toISOString(),
      deadline: new Date(due.fire.deadlineMs).toISOString(),
      outcome: BenchFiringOutcomes.submitted,
      jobIds: record.batchSizes.map((batch) => firingJobId(record.id, atMs, batch)),
    };
    const missed = due.missed && missedFiring(due.missed, atMs, record.timeZone);
    // The record first: once it holds the firing, no other check fires it again.
    const updated = await this.d.store.update(stored, { ...record, since: firing.at, firings: [...record.firings, ...(missed ? [missed] : []), firing].slice(-BENCH_FIRINGS_KEPT) });
    this.d.log.info({ schedule: record.id, at: firing.at, jobs: firing.jobIds, missed: missed?.reason }, 'benchmark schedule fired');
    return updated;
  }

  /** Submits the jobs of the open firing not yet stored: the firing's own submission, or one a stop cut short. */
  private async submitMissing(record: BenchScheduleRecord, nowMs: number): Promise<void> {
    const open = lastFiring(record);
    if (open?.outcome !== BenchFiringOutcomes.submitted || nowMs >= Date.parse(open.deadline)) return;
    for (const [index, jobId] of open.jobIds.entries()) {
      if (this.d.jobs.job(jobId)) continue;
      await this.d.jobs.submit({
        caller: scheduleCaller(record),
        jobId,
        kind: BENCHMARK_KIND,
        params: record.jobParams[index] ?? {},
        input: { source: 'none' },
        gpus: 1,
        priority: false,
        preemptible: false,
      });
    }
  }

  private async cancelJob(record: BenchScheduleRecord, jobId: string): Promise<void> {
    const job = this.d.jobs.job(jobId);
    if (!job || isTerminalState(job.state)) return;
    await this.d.jobs.cancel({ caller: scheduleCaller(record), jobId });
  }

  private arm(wakeMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    if (wakeMs === Infinity) return;
    const delay = Math.min(Math.max(wakeMs - this.d.clock.now().getTime(), 0) + 20, MAX_TIMER_MS);
    this.timer = setTimeout(() => void this.check(), delay);
    this.timer.unref();
  }

  private async find(id: string): Promise<StoredBenchSchedule> {
    // An id that is no schedule's is not looked up: it could be no KV key at all.
    const stored = BENCH_SCHEDULE_ID_PATTERN.test(id) ? await this.d.store.get(id) : undefined;
    if (!stored) throw new CommandError(ErrorCodes.notFound, `there is no benchmark schedule ${id}`, { reason: ErrorReasons.notFound, metadata: { schedule: id } });
    return stored;
  }

  private timesOf(schedule: Pick<BenchScheduleRecord, 'cron' | 'timeZone'>): CronTimes {
    const parsed = parseCron(schedule.cron, schedule.timeZone);
    if (!parsed.ok) throw invalid(parsed.message, { field: parsed.field });
    return parsed.times;
  }
}

/** A firing's job for one batch size: the same id however often the firing is looked at. */
export function firingJobId(scheduleId: string, atMs: number, batchSize: number): string {
  return `j-${scheduleId}-${Math.floor(atMs / 1000).toString(36)}-b${batchSize}`;
}

/** The jobs of a schedule are the tutors', submitted in the name of whoever added it. */
function scheduleCaller(record: BenchScheduleRecord): Caller {
  return { role: 'tutor', name: `${record.createdBy} (schedule ${record.id})` };
}

function lastFiring(record: BenchScheduleRecord): BenchFiring | undefined {
  return record.firings[record.firings.length - 1];
}

function tutorOnly(caller: Caller): void {
  if (!isTutor(caller)) throw new CommandError(ErrorCodes.permissionDenied, 'only tutors can keep benchmark schedules', { reason: ErrorReasons.tutorOnly });
}

function view(record: BenchScheduleRecord, times: CronTimes | undefined, nowMs: number): BenchScheduleView {
  const next = record.paused ? undefined : times?.next(nowMs);
  return next === undefined ? record : { ...record, nextFiring: new Date(next).toISOString() };
}

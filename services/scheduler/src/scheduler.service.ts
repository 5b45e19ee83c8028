import { Inject, Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import {
  type Caller,
  ErrorCodes,
  type JobEventEnvelope,
  type JobRecord,
  type JobRef,
  type JobReply,
  JobStates,
  type JobStateName,
  type ListQuery,
  type ListReply,
  type SubmitCommand,
  type UsageQuery,
  type UsageRow,
  isTerminalState,
  TUTORS_TEAM,
} from '@gpulab/contracts';
import { activeSlot, assertTransition, dayDate, DEFAULT_SLOT_RULES, canTransition, dayStartMs, drainedServers, expiredLeases, type RunStretch, usagePerDay, type LastBeat, largestServer, planCycle, totalGpus } from '@gpulab/scheduling';
import { CalendarStore } from './calendar-store';
import { calendarSnapshot, today } from './calendar-snapshot';
import { type Clock } from './clock';
import { type SchedulerConfig } from './config';
import { CommandError, invalid, notFound, otherTeam, precondition } from './errors';
import { JobEvents } from './job-events';
import { JobStore } from './job-store';
import { type Launcher, LAUNCHER, type WorkerExit } from './launcher';
import { RetryCauses, SchedulerMetrics } from './scheduler-metrics';
import { SerialExecutor } from './serial-executor';
import { TeamDirectory } from './team-directory';
import { CLOCK, SCHEDULER_CONFIG } from './tokens';

export { TUTORS_TEAM } from '@gpulab/contracts';
/** Waiting-reason updates in flight at once. */
const WAITING_WRITE_BATCH = 256;
/** Day timers are re-armed at least this often, so a changed clock or a long sleep is caught up. */
const MAX_TIMER_MS = 3_600_000;

const MAX_PAGE_SIZE = 500;

/**
 * The single writer of job state. Commands, worker reports and worker exits all pass through
 * one queue, so decisions are taken on a state no other path is changing at that moment; KV
 * compare-and-set guards against other processes.
 */
@Injectable()
export class SchedulerService {
  private closed = false;
  private dayTimer?: NodeJS.Timeout;
  private cycleRequested = false;

  constructor(
    @InjectPinoLogger(SchedulerService.name) private readonly log: PinoLogger,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly store: JobStore,
    private readonly events: JobEvents,
    @Inject(LAUNCHER) private readonly launcher: Launcher,
    private readonly calendar: CalendarStore,
    private readonly teams: TeamDirectory,
    private readonly executor: SerialExecutor,
    private readonly metrics: SchedulerMetrics,
  ) {
    launcher.onExit((exit) => void this.workerExited(exit));
  }

  /** Loads the jobs, takes back or requeues the ones that were running, and runs a cycle; again each time this scheduler becomes leader. */
  async start(): Promise<void> {
    this.closed = false; // a scheduler that stepped down and leads again
    const count = await this.store.load();
    await this.calendar.load(this.config.term, this.config.inventory);
    const { inventory } = this.calendar;
    this.log.info(
      { jobs: count, slots: this.calendar.allSlots().length, term: this.calendar.term, servers: inventory.servers, gpus: totalGpus(inventory) },
      'scheduler state loaded',
    );
    await this.executor.run(async () => {
      for (const job of this.store.all()) {
        if (job.state !== JobStates.scheduled && job.state !== JobStates.running) continue;
        if (job.workerHandle && this.launcher.adopt(job, job.workerHandle)) {
          this.log.info({ jobId: job.id, team: job.team, handle: job.workerHandle }, 'worker adopted');
        } else {
          await this.workerLost(job, 'its worker was gone after a scheduler restart');
          this.metrics.retried(RetryCauses.lostWorker, this.store.get(job.id));
        }
      }
      await this.cycle();
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.dayTimer);
  }

  submit(command: SubmitCommand): Promise<JobReply> {
    return this.executor.run(async () => {
      const team = this.teamOf(command.caller);
      if (!Number.isInteger(command.gpus) || command.gpus < 1) throw invalid(`gpus must be 1 or more, not ${command.gpus}`);
      const day = this.today();
      if (command.caller.role !== 'tutor' && day >= this.calendar.term.days) {
        throw precondition(`the term ended on ${this.calendar.term.start} + ${this.calendar.term.days} days; no more team jobs are accepted`);
      }
      const largest = largestServer(this.calendar.inventory);
      if (command.gpus > largest) throw invalid(`a job can use at most ${largest} GPUs (all on one server), not ${command.gpus}`);
      // A team job bigger than a slot could only ever run on idle GPUs; refused now rather than
      // queued for good.
      const perSlot = DEFAULT_SLOT_RULES.gpusPerSlot;
      if (command.caller.role !== 'tutor' && command.gpus > perSlot && command.preemptible !== true) {
        throw invalid(`a team job can use at most the ${perSlot} GPUs of its slot, not ${command.gpus}; with --preemptible it may run on ${command.gpus} idle GPUs instead`);
      }
      const unfinished = this.store.unfinishedCount(team);
      // A retried submit of a job already stored is answered as before, cap or not.
      if (unfinished >= this.config.maxQueuedPerTeam && !this.store.get(command.jobId)) {
        throw new CommandError(
          ErrorCodes.resourceExhausted,
          `team ${team} has ${unfinished.toLocaleString('en-US')} jobs that have not ended, the most a team may have (GPULAB_MAX_QUEUED_PER_TEAM); wait for some to end or cancel them, then submit again`,
        );
      }
      const record: JobRecord = {
        id: command.jobId,
        team,
        submittedBy: command.caller.name,
        role: command.caller.role,
        priority: command.priority === true,
        preemptible: command.preemptible === true,
        kind: command.kind,
        params: command.params,
        input: command.input,
        gpus: command.gpus,
        state: JobStates.queued,
        attempt: 0,
        assignedGpus: [],
        createdAt: this.clock.now().toISOString(),
      };
      const created = await this.store.create(record);
      if (created) {
        this.log.info({ jobId: record.id, team, kind: record.kind, gpus: record.gpus }, 'job queued');
        this.metrics.submitted(team);
        await this.events.publish(record.id, 0, { type: 'state', state: JobStates.queued });
        await this.cycle();
      }
      const job = this.store.get(record.id) ?? record;
      if (job.team !== team) throw invalid(`job id ${record.id} is taken`);
      return { job, notices: job.state === JobStates.queued && job.waiting ? [job.waiting.message] : [] };
    });
  }

  cancel(ref: JobRef): Promise<JobReply> {
    return this.executor.run(async () => {
      const job = this.visibleJob(ref);
      if (isTerminalState(job.state)) throw precondition(`job ${job.id} has already ended (${job.state})`);
      const cancelled = await this.transition(job, JobStates.cancelled, { reason: `cancelled by ${ref.caller.name}` });
      await this.cycle();
      return { job: cancelled };
    });
  }

  get(ref: JobRef): Promise<JobReply> {
    return Promise.resolve({ job: this.visibleJob(ref) });
  }

  list(query: ListQuery): Promise<ListReply> {
    const team = query.caller.role === 'tutor' ? query.team || undefined : this.teamOf(query.caller);
    if (query.caller.role !== 'tutor' && query.team && query.team !== team) {
      throw new CommandError(ErrorCodes.permissionDenied, `you can list only your own team's jobs, not team ${query.team}'s`);
    }
    const pageSize = Math.min(Math.max(query.pageSize || 50, 1), MAX_PAGE_SIZE);
    const states = new Set<JobStateName>(query.states);
    const after = query.pageToken ? decodeCursor(query.pageToken) : undefined;
    const jobs = this.store
      .all()
      .filter((j) => (team === undefined || j.team === team) && (states.size === 0 || states.has(j.state)))
      .sort(newestFirst)
      .filter((j) => after === undefined || newestFirst(j, after) > 0);
    const page = jobs.slice(0, pageSize);
    const last = page[page.length - 1];
    return Promise.resolve({ jobs: page, nextPageToken: jobs.length > pageSize && last ? encodeCursor(last) : undefined });
  }

  /** A report from a worker: it started, finished with a result, or failed. */
  report(event: JobEventEnvelope): Promise<void> {
    return this.executor.run(async () => {
      const job = this.store.get(event.jobId);
      // Reports of an attempt that is no longer current (a lost worker that came back) are fenced off.
      if (!job || job.attempt !== event.attempt || isTerminalState(job.state)) {
        this.log.debug({ jobId: event.jobId, attempt: event.attempt, type: event.body.type }, 'stale report ignored');
        return;
      }
      const body = event.body;
      switch (body.type) {
        case 'started':
          if (job.state === JobStates.scheduled) {
            await this.transition(job, JobStates.running, { startedAt: event.time, backend: body.backend });
          }
          return;
        case 'result':
          await this.transition(job, JobStates.succeeded, { resultRef: body.resultRef, backend: body.backend }, { workerReported: true });
          this.requestCycle();
          return;
        case 'failed':
          // A failure that trying again may cure (the scheduler was away while the worker needed
          // its data) costs an attempt, as a worker that died does, not the job.
          if (body.retryable) await this.workerLost(job, `its worker failed: ${body.reason}`);
          else await this.transition(job, JobStates.failed, { reason: body.reason }, { workerReported: true });
          if (body.retryable) this.metrics.retried(RetryCauses.transientFailure, this.store.get(job.id));
          this.requestCycle();
          return;
        default:
          return;
      }
    });
  }

  private async workerExited(exit: WorkerExit): Promise<void> {
    if (this.closed) return;
    this.metrics.workerExited(exit);
    // The worker publishes its last report before it exits; give the consumer a moment to bring it.
    await new Promise((r) => setTimeout(r, this.config.exitSettleMs));
    await this.executor.run(async () => {
      const job = this.store.get(exit.jobId);
      // Only a job still on GPUs for this attempt loses anything (not one its report requeued).
      if (!job || job.attempt !== exit.attempt || !holdsGpus(job.state)) return;
      if (job.preempting) {
        await this.transition(job, JobStates.preempted, { reason: job.preempting.reason });
        const preempted = this.store.get(job.id) ?? job;
        await this.transition(preempted, JobStates.queued, { reason: `${job.preempting.reason}; queued again`, preempting: undefined });
        this.requestCycle();
        return;
      }
      const how = exit.signal ? `was killed by ${exit.signal}` : exit.code === null ? 'ended' : `exited with code ${exit.code}`;
      await this.workerLost(job, `its worker ${how} without reporting a result`);
      this.metrics.retried(RetryCauses.lostWorker, this.store.get(job.id));
      this.requestCycle();
    });
  }

  /** Requeues a job whose worker disappeared, or fails it once it has used all its attempts. */
  private async workerLost(job: JobRecord, why: string): Promise<void> {
    if (job.attempt >= this.config.maxAttempts) {
      await this.transition(job, JobStates.failed, { reason: `${why} (attempt ${job.attempt} of ${this.config.maxAttempts})` });
      return;
    }
    this.log.warn({ jobId: job.id, team: job.team, attempt: job.attempt }, `requeued: ${why}`);
    await this.transition(job, JobStates.queued, { reason: why });
  }

  /** Requeues (or fails) running jobs whose workers have gone silent; their workers are told to stop. */
  expireLeases(beats: ReadonlyMap<string, LastBeat>, sinceMs: number): Promise<void> {
    return this.executor.run(async () => {
      if (this.closed) return;
      const now = this.clock.now().getTime();
      const jobs = this.store.all().map((j) => ({ id: j.id, state: j.state, attempt: j.attempt, startedAtMs: j.startedAt ? Date.parse(j.startedAt) : undefined }));
      const expired = expiredLeases(jobs, beats, now, this.config.heartbeatTimeoutMs, sinceMs);
      for (const id of expired) {
        const job = this.store.get(id);
        if (!job) continue;
        await this.workerLost(job, `its worker sent no heartbeat for ${Math.round(this.config.heartbeatTimeoutMs / 1000)} s`);
        this.metrics.retried(RetryCauses.leaseExpired, this.store.get(job.id));
      }
      if (expired.length > 0) this.requestCycle();
    });
  }

  /**
   * Asks for a cycle after the work already queued: reports that arrive together (several GPUs
   * freed at once) are all applied first and served by one cycle.
   */
  private requestCycle(): void {
    if (this.cycleRequested || this.closed) return;
    this.cycleRequested = true;
    void this.executor
      .run(async () => {
        this.cycleRequested = false;
        await this.cycle();
      })
      .catch((err: unknown) => this.log.error({ err }, 'cycle failed'));
  }

  /** Runs a cycle in turn with other work: at day boundaries, or when a test moves its clock. */
  wake(): Promise<void> {
    return this.executor.run(() => this.cycle());
  }

  /** Runs a cycle now; for callers already inside the serial executor (slot commands). */
  runCycle(): Promise<void> {
    return this.cycle();
  }

  /** Servers where jobs hold GPUs now. */
  busyServers(): Set<string> {
    return new Set(this.store.all().flatMap((j) => (j.state === JobStates.scheduled || j.state === JobStates.running ? j.assignedGpus.map((g) => g.server) : [])));
  }

  /** GPU-hours a team's preemptible jobs used outside its slots. */
  backfillGpuHours(team: string): number {
    const ms = this.runStretches(team).reduce((sum, r) => sum + (r.backfill ? (r.toMs - r.fromMs) * r.gpus : 0), 0);
    return Math.round((ms / 3_600_000) * 1e6) / 1e6;
  }

  /** GPU-hours per team and day: finished runs and the ones running now. */
  usage(query: UsageQuery): Promise<UsageRow[]> {
    const team = query.caller.role === 'tutor' ? query.team || undefined : this.teamOf(query.caller);
    if (query.caller.role !== 'tutor' && query.team && query.team !== team) {
      throw new CommandError(ErrorCodes.permissionDenied, `you can see only your own team's usage, not team ${query.team}'s`);
    }
    const rows = usagePerDay(this.calendar.term, this.runStretches(team));
    const round = (h: number) => Math.round(h * 1e6) / 1e6;
    return Promise.resolve(rows.map((r) => ({ team: r.team, date: r.date, gpuHours: round(r.gpuHours), backfillGpuHours: round(r.backfillGpuHours) })));
  }

  private runStretches(team?: string): RunStretch[] {
    const now = this.clock.now().getTime();
    const out: RunStretch[] = [];
    for (const job of this.store.all()) {
      if (team !== undefined && job.team !== team) continue;
      for (const run of job.runs ?? []) out.push({ team: job.team, fromMs: Date.parse(run.from), toMs: Date.parse(run.to), gpus: run.gpus, backfill: run.backfill });
      if (job.state === JobStates.running && job.startedAt) {
        out.push({ team: job.team, fromMs: Date.parse(job.startedAt), toMs: now, gpus: job.assignedGpus.length, backfill: job.backfill === true });
      }
    }
    return out;
  }

  /** Steps: snapshot, plan (pure), preempt, record waiting reasons, launch; each timed in the log. */
  private async cycle(): Promise<void> {
    const started = performance.now();
    const step = this.metrics.stepTimer();
    const snapshot = calendarSnapshot(this.calendar, this.teams);
    const day = this.today();
    const jobs = this.store.unfinished();
    step('snapshot');
    const plan = planCycle({
      inventory: snapshot.inventory,
      jobs,
      slots: { calendar: snapshot, day },
      brokenGpus: snapshot.brokenGpus,
      drainedServers: drainedServers(snapshot.inventory),
    });
    const plannedMs = performance.now() - started;
    step('plan');
    for (const preemption of plan.preemptions) {
      const job = this.store.get(preemption.jobId);
      if (!job || job.preempting) continue;
      await this.store.update(job.id, (j) => ({ ...j, preempting: { reason: preemption.reason, since: this.clock.now().toISOString() } }));
      await this.events.publish(job.id, job.attempt, {
        type: 'log',
        level: 'warn',
        message: `stop notice: ${preemption.reason}; the job has ${Math.round(this.config.preemptGraceMs / 1000)} s to checkpoint`,
      });
      this.log.info({ jobId: job.id, team: job.team, reason: preemption.reason }, 'job preempted');
      this.launcher.stop(job.id, this.config.preemptGraceMs);
      this.metrics.preempted();
    }
    step('preempt');
    for (const placement of plan.placements) {
      const job = this.store.get(placement.jobId);
      if (!job) continue;
      const slot = job.role === 'tutor' ? undefined : activeSlot(snapshot, job.team, day);
      const inSlot = slot !== undefined && placement.gpus.every((g) => g.server === slot.server && slot.gpus.includes(g.index));
      const scheduled = await this.transition(job, JobStates.scheduled, {
        attempt: job.attempt + 1,
        assignedGpus: placement.gpus,
        scheduledAt: this.clock.now().toISOString(),
        waiting: undefined,
        workerHandle: undefined,
        backfill: job.role !== 'tutor' && !inSlot,
      });
      this.metrics.placed(scheduled);
      try {
        const { handle } = await this.launcher.launch(scheduled, placement.gpus);
        await this.store.update(job.id, (j) => ({ ...j, workerHandle: handle }));
      } catch (error) {
        await this.transition(scheduled, JobStates.failed, { reason: `the worker could not be started: ${(error as Error).message}` });
      }
    }
    step('launch');
    // After the launches: telling waiting jobs why they wait must not delay the ones that can run.
    // The writes are independent (one key each), so they go out in parallel batches.
    const changed = plan.waiting.filter((w) => {
      const job = this.store.get(w.jobId);
      return job !== undefined && (job.waiting?.code !== w.code || job.waiting.message !== w.message);
    });
    const term = this.calendar.term;
    for (let i = 0; i < changed.length; i += WAITING_WRITE_BATCH) {
      await Promise.all(
        changed.slice(i, i + WAITING_WRITE_BATCH).map((w) =>
          this.store.update(w.jobId, (j) => ({ ...j, waiting: { code: w.code, message: w.message, fromDay: w.fromDay === undefined ? undefined : dayDate(term, w.fromDay) } })),
        ),
      );
    }
    step('waiting');
    if (plan.placements.length > 0 || plan.preemptions.length > 0) {
      this.log.info(
        {
          placed: plan.placements.length,
          preempted: plan.preemptions.length,
          waiting: plan.waiting.length,
          planMs: round(plannedMs),
          totalMs: round(performance.now() - started),
        },
        'scheduling cycle',
      );
    }
    this.armDayTimer(day);
  }

  /** Slots begin and end at midnight of the term's zone: a cycle runs then. */
  private armDayTimer(day: number): void {
    if (this.closed) return;
    clearTimeout(this.dayTimer);
    const next = dayStartMs(this.calendar.term, day + 1) - this.clock.now().getTime();
    const wake = () => void this.wake().catch((err: unknown) => this.log.error({ err }, 'cycle failed'));
    this.dayTimer = setTimeout(wake, Math.min(Math.max(next, 0) + 50, MAX_TIMER_MS));
    this.dayTimer.unref();
  }

  private today(): number {
    return today(this.calendar, this.clock.now().getTime());
  }

  /**
   * Moves a job to `to`. A job that leaves its GPUs for any reason but its worker's own report
   * (cancelled, requeued, failed by a lost lease) has its worker stopped here, so no path can
   * forget it and leave a worker computing on GPUs the scheduler has handed back.
   */
  private async transition(job: JobRecord, to: JobStateName, changes: Partial<JobRecord>, cause: { workerReported?: boolean } = {}): Promise<JobRecord> {
    assertTransition(job.id, job.state, to);
    const now = this.clock.now().toISOString();
    const next = await this.store.update(job.id, (current) => {
      if (current.state !== job.state && !canTransition(current.state, to)) assertTransition(job.id, current.state, to);
      // Leaving RUNNING closes a run: it is what usage accounting counts.
      const closesRun = current.state === JobStates.running && to !== JobStates.running && current.startedAt !== undefined;
      const runs = closesRun
        ? [...(current.runs ?? []), { from: current.startedAt as string, to: now, gpus: current.assignedGpus.length, backfill: current.backfill === true }]
        : current.runs;
      return {
        ...current,
        ...changes,
        runs,
        state: to,
        ...(isTerminalState(to) ? { finishedAt: now } : {}),
        ...(to === JobStates.queued ? { assignedGpus: [] } : {}),
      };
    });
    this.log.info({ jobId: job.id, team: job.team, from: job.state, to, attempt: next.attempt, reason: changes.reason }, 'job state');
    if (holdsGpus(job.state) && !holdsGpus(to) && !cause.workerReported) this.launcher.stop(job.id, this.config.stopGraceMs);
    await this.events.publish(job.id, next.attempt, {
      type: 'state',
      state: to,
      reason: changes.reason,
      assignedGpus: to === JobStates.scheduled ? next.assignedGpus : undefined,
    });
    return next;
  }

  private visibleJob(ref: JobRef): JobRecord {
    const job = this.store.get(ref.jobId);
    if (!job) throw notFound(ref.jobId);
    if (ref.caller.role !== 'tutor' && job.team !== ref.caller.team) throw otherTeam(ref.jobId);
    return job;
  }

  private teamOf(caller: Caller): string {
    if (caller.role === 'tutor') return TUTORS_TEAM;
    if (!caller.team) throw invalid('the caller has no team');
    return caller.team;
  }
}

function newestFirst(a: Pick<JobRecord, 'createdAt' | 'id'>, b: Pick<JobRecord, 'createdAt' | 'id'>): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function encodeCursor(job: JobRecord): string {
  return Buffer.from(JSON.stringify([job.createdAt, job.id])).toString('base64url');
}

function decodeCursor(token: string): Pick<JobRecord, 'createdAt' | 'id'> {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(token, 'base64url').toString()) as [string, string];
    if (typeof createdAt === 'string' && typeof id === 'string') return { createdAt, id };
  } catch {
    // fall through to the error below
  }
  throw invalid('page_token is not one this server gave out');
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

function holdsGpus(state: JobStateName): boolean {
  return state === JobStates.scheduled || state === JobStates.running;
}

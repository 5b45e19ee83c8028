import { Inject, Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import {
  canSee,
  type DeleteOutputsCommand,
  type DeleteOutputsReply,
  ErrorCodes,
  ErrorReasons,
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
  isTutor,
  RETENTION_DELETER,
  scopeTeam,
  teamOf,
} from '@gpulab/contracts';
import {
  DEFAULT_SLOT_RULES,
  expiredLeases,
  holdsGpus,
  type LastBeat,
  largestServer,
  onCancelled,
  onLeaseExpired,
  onReport,
  onWorkerExit,
  onWorkerGone,
  type RetryPolicy,
  totalGpus,
  type WorkerReport,
} from '@gpulab/scheduling';
import { RUN_KIND_NAME } from '@gpulab/run-job';
import { CalendarStore } from './calendar-store';
import { today } from './calendar-snapshot';
import { type Clock } from './clock';
import { type SchedulerConfig } from './config';
import { CommandError, invalid, noTeam, notFound, otherTeam, precondition } from './errors';
import { FinalReports } from './final-reports';
import { JobEvents } from './job-events';
import { CycleRunner } from './cycle-runner';
import { JobStore } from './job-store';
import { BenchmarkHistory } from './benchmark-history';
import { JobTransitioner } from './job-transitioner';
import { type Launcher, LAUNCHER, type WorkerExit } from './launcher';
import { RetryCauses, SchedulerMetrics } from './scheduler-metrics';
import { SerialExecutor } from './serial-executor';
import { TeamDirectory } from './team-directory';
import { CLOCK, SCHEDULER_CONFIG } from './tokens';
import { UsageLedger } from './usage-ledger';

export { TUTORS_TEAM } from '@gpulab/contracts';
/** The longest wait between two attempts of a job. */
const MAX_RETRY_BACKOFF_MS = 60_000;

const MAX_PAGE_SIZE = 500;

/** The job kind whose rows the benchmark history keeps. */
const BENCHMARK_KIND = 'benchmark';

/**
 * The single writer of job state, wiring the pieces that decide and carry out: the core's pure
 * transitions (`@gpulab/scheduling`), the transitioner that applies them, the cycle runner and the
 * usage ledger. Commands, worker reports and worker exits pass through one queue, so decisions
 * are taken on a state no other path is changing at that moment; KV compare-and-set guards
 * against other processes. A submission's KV write is the one step taken outside that queue, so
 * that a burst of submissions is written in parallel.
 */
@Injectable()
export class SchedulerService {
  private closed = false;
  private cycleRequested?: Promise<void>;
  /** Submissions being written, by job id, and how many per team (the cap counts them). */
  private readonly pending = new Map<string, Promise<unknown>>();
  private readonly pendingPerTeam = new Map<string, number>();
  private readonly retry: RetryPolicy;
  private readonly transitioner: JobTransitioner;
  private readonly cycles: CycleRunner;
  private readonly ledger: UsageLedger;

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
    private readonly benchmarks: BenchmarkHistory,
    private readonly finalReports: FinalReports,
  ) {
    this.retry = { maxAttempts: config.maxAttempts, backoffMs: config.retryBackoffMs, maxBackoffMs: MAX_RETRY_BACKOFF_MS };
    this.transitioner = new JobTransitioner(log, clock, store, events, launcher, config.stopGraceMs, (untilMs) => this.cycles.wakeAt(untilMs, () => void this.requestCycle()));
    this.cycles = new CycleRunner({ log, clock, store, events, launcher, calendar, teams, transitioner: this.transitioner, preemptGraceMs: config.preemptGraceMs, observer: metrics });
    this.cycles.onDayChange(() => void this.wake().catch((err: unknown) => this.log.error({ err }, 'cycle failed')));
    this.ledger = new UsageLedger(store, clock);
    launcher.onExit((exit) => void this.workerExited(exit));
  }

  /** Loads the jobs, takes back or requeues the ones that were running, and runs a cycle; again each time this scheduler becomes leader. */
  async start(): Promise<void> {
    this.closed = false; // a scheduler that stepped down and leads again
    this.cycles.open();
    const count = await this.store.load();
    await this.calendar.load(this.config.term, this.config.inventory);
    const { inventory } = this.calendar;
    this.log.info(
      { jobs: count, slots: this.calendar.allSlots().length, term: this.calendar.term, servers: inventory.servers, gpus: totalGpus(inventory) },
      'scheduler state loaded',
    );
    await this.executor.run(async () => {
      for (const job of this.store.queue.onGpus()) {
        const record = this.store.get(job.id);
        if (!record) continue;
        if (record.workerHandle && this.launcher.adopt(record, record.workerHandle)) {
          this.log.info({ jobId: record.id, team: record.team, handle: record.workerHandle }, 'worker adopted');
        } else {
          const after = await this.transitioner.apply(record, onWorkerGone(record, 'its worker was gone after a scheduler restart', this.retry, this.now()));
          this.metrics.retried(RetryCauses.lostWorker, after);
        }
      }
      await this.launcher.adopted?.();
      await this.cycles.run();
    });
  }

  close(): void {
    this.closed = true;
    this.cycles.close();
  }

  async submit(command: SubmitCommand): Promise<JobReply> {
    // A retried submit of a job still being written waits for that write and is answered as it.
    const inFlight = this.pending.get(command.jobId);
    if (inFlight) await inFlight.catch(() => undefined);
    const team = teamOf(command.caller, noTeam);
    const record = await this.executor.run(async () => this.admit(command, team));
    if (record) {
      const writing = this.write(record);
      this.pending.set(record.id, writing);
      this.pendingPerTeam.set(team, (this.pendingPerTeam.get(team) ?? 0) + 1);
      try {
        await writing;
      } finally {
        this.pending.delete(record.id);
        this.pendingPerTeam.set(team, (this.pendingPerTeam.get(team) ?? 1) - 1);
      }
    }
    const job = this.store.get(command.jobId);
    if (!job) throw invalid(`job id ${command.jobId} could not be stored`);
    if (job.team !== team) throw invalid(`job id ${command.jobId} is taken`);
    const shown = this.withWaiting(job);
    return { job: shown, notices: shown.waiting ? [shown.waiting.message] : [] };
  }

  /** The rules a submission must pass; the record to store, or undefined for a job stored already. */
  private admit(command: SubmitCommand, team: string): JobRecord | undefined {
    if (this.store.get(command.jobId)) return undefined;
    if (!Number.isInteger(command.gpus) || command.gpus < 1) throw invalid(`gpus must be 1 or more, not ${command.gpus}`, { field: 'gpus' });
    const day = this.today();
    if (!isTutor(command.caller) && day >= this.calendar.term.days) {
      throw precondition(`the term ended on ${this.calendar.term.start} + ${this.calendar.term.days} days; no more team jobs are accepted`, ErrorReasons.termOver, { team });
    }
    const largest = largestServer(this.calendar.inventory);
    if (command.gpus > largest) throw new CommandError(ErrorCodes.invalidArgument, `a job can use at most ${largest} GPUs (all on one server), not ${command.gpus}`, { reason: ErrorReasons.tooManyGpus, metadata: { field: 'gpus' } });
    // A team job bigger than a slot could only ever run on idle GPUs; refused now rather than
    // queued for good.
    const perSlot = DEFAULT_SLOT_RULES.gpusPerSlot;
    if (!isTutor(command.caller) && command.gpus > perSlot && command.preemptible !== true) {
      throw new CommandError(ErrorCodes.invalidArgument, `a team job can use at most the ${perSlot} GPUs of its slot, not ${command.gpus}; with --preemptible it may run on ${command.gpus} idle GPUs instead`, { reason: ErrorReasons.tooManyGpus, metadata: { field: 'gpus', team } });
    }
    if (command.kind === RUN_KIND_NAME) this.checkTeamImage(command.params, team);
    const unfinished = this.store.unfinishedCount(team) + (this.pendingPerTeam.get(team) ?? 0);
    if (unfinished >= this.config.maxQueuedPerTeam) {
      throw new CommandError(
        ErrorCodes.resourceExhausted,
        `team ${team} has ${unfinished.toLocaleString('en-US')} jobs that have not ended, the most a team may have (GPULAB_MAX_QUEUED_PER_TEAM); wait for some to end or cancel them, then submit again`,
        { reason: ErrorReasons.tooManyQueued, metadata: { team } },
      );
    }
    return {
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
  }

  /**
   * A run job's image against the launcher: refused here rather than at launch, where it would
   * end the attempt. The image's form was checked by the gateway with the other parameters.
   */
  private checkTeamImage(params: Record<string, unknown>, team: string): void {
    const image = typeof params.image === 'string' && params.image !== '' ? params.image : undefined;
    if (image !== undefined && !this.launcher.teamImages) {
      throw precondition(
        `images need cluster mode: this gpulab runs a command as a process on its servers, in their own software, so --image ${image.slice(0, 80)} cannot be used; leave --image out`,
        ErrorReasons.imageMode,
        { team, field: 'image' },
      );
    }
    if (image === undefined && this.launcher.teamImages) {
      throw precondition('in cluster mode a run job runs in your team\'s container image: give it with --image REGISTRY/IMAGE:TAG (see the README, "Your image in cluster mode")', ErrorReasons.imageMode, { team, field: 'image' });
    }
  }

  /** Stores a new job, announces it, and waits for the cycle that considers it. */
  private async write(record: JobRecord): Promise<void> {
    let announced: Promise<void> | undefined;
    // The queued event is sent the moment the job is stored, before any cycle can see the job:
    // its history always starts with QUEUED.
    const created = await this.store.create(record, () => {
      announced = this.events.publish(record.id, 0, { type: 'state', state: JobStates.queued });
    });
    if (!created) return;
    this.log.info({ jobId: record.id, team: record.team, kind: record.kind, gpus: record.gpus }, 'job queued');
    this.metrics.submitted(record.team);
    await announced;
    await this.requestCycle();
  }

  cancel(ref: JobRef): Promise<JobReply> {
    return this.executor.run(async () => {
      const job = this.visibleJob(ref);
      if (isTerminalState(job.state)) throw precondition(`job ${job.id} has already ended (${job.state})`, ErrorReasons.jobEnded, { job: job.id });
      const cancelled = await this.transitioner.apply(job, onCancelled(job, ref.caller.name, this.now()));
      void this.requestCycle();
      return { job: cancelled };
    });
  }

  /**
   * Marks an ended job's result and files deleted; the gateway, which indexes the objects, then
   * deletes them. Marking first means a download never finds a half-deleted result without
   * being told why, and a deletion cut short is finished by asking again (or by the retention
   * sweep), which finds the mark and answers `alreadyDeleted`.
   */
  deleteOutputs(command: DeleteOutputsCommand): Promise<DeleteOutputsReply> {
    return this.executor.run(async () => {
      const job = this.visibleJob(command);
      if (!isTerminalState(job.state)) {
        throw precondition(`job ${job.id} is ${job.state}: its outputs can be deleted once it has ended ("gpulab cancel ${job.id}" ends it)`);
      }
      if (job.outputsDeleted) return { job, alreadyDeleted: true };
      const by = command.retention === true ? RETENTION_DELETER : command.caller.name;
      const marked = await this.store.update(job.id, (j) => ({ ...j, outputsDeleted: j.outputsDeleted ?? { at: this.clock.now().toISOString(), by } }));
      this.log.info({ jobId: job.id, team: job.team, by }, 'job outputs marked deleted');
      return { job: marked, alreadyDeleted: false };
    });
  }

  get(ref: JobRef): Promise<JobReply> {
    return Promise.resolve({ job: this.withWaiting(this.visibleJob(ref)) });
  }

  list(query: ListQuery): Promise<ListReply> {
    const team = scopeTeam(query.caller, query.team, {
      otherTeam: (wanted) => new CommandError(ErrorCodes.permissionDenied, `you can list only your own team's jobs, not team ${wanted}'s`, { reason: ErrorReasons.otherTeam, metadata: { team: wanted } }),
      noTeam,
    });
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
    // Queue places of the page's teams, one walk of each team's queue.
    const places = new Map<string, Map<string, number>>();
    const placeOf = (job: JobRecord) => {
      let p = places.get(job.team);
      if (!p) places.set(job.team, (p = this.store.queue.positions(job.team)));
      return p.get(job.id);
    };
    const shown = page.map((j) => (j.state === JobStates.queued ? { ...j, waiting: this.cycles.waitingOf(j, placeOf(j)) } : j));
    return Promise.resolve({ jobs: shown, nextPageToken: jobs.length > pageSize && last ? encodeCursor(last) : undefined });
  }

  /** A report from a worker: it started, finished with a result, or failed. */
  report(event: JobEventEnvelope): Promise<void> {
    return this.executor.run(async () => {
      const job = this.store.get(event.jobId);
      const report = workerReport(event);
      if (!job || !report) return;
      const decision = onReport(job, report, this.retry, this.now());
      if (decision.length === 0) {
        this.log.debug({ jobId: event.jobId, attempt: event.attempt, type: event.body.type }, 'stale report ignored');
        return;
      }
      const after = await this.transitioner.apply(job, decision);
      if (report.type === 'failed' && report.retryable) this.metrics.retried(RetryCauses.transientFailure, after);
      if (JobTransitioner.freesGpus(job, decision)) void this.requestCycle();
      if (after.kind === BENCHMARK_KIND && after.state === JobStates.succeeded && event.body.type === 'result') this.recordBenchmark(after.id, event.body.result);
    });
  }

  /** Outside the queue: the history is for people and never holds up a job's state. */
  private recordBenchmark(jobId: string, result: unknown): void {
    this.benchmarks.record(jobId, result).catch((err: unknown) => this.log.warn({ err, jobId }, 'benchmark rows not recorded'));
  }

  private async workerExited(exit: WorkerExit): Promise<void> {
    if (this.closed) return;
    this.metrics.workerExited(exit);
    // The worker publishes its last report before it exits; give the consumer a moment to bring it.
    await new Promise((r) => setTimeout(r, this.config.exitSettleMs));
    // A report the consumer has not brought yet (its pull lost with a NATS server) is read from
    // the stream, so a worker that finished is not taken for one that died.
    const running = this.store.get(exit.jobId);
    if (!this.closed && running && running.attempt === exit.attempt && holdsGpus(running.state)) {
      const final = await this.finalReports.find(exit.jobId, exit.attempt).catch(() => undefined);
      if (final) await this.report(final);
    }
    await this.executor.run(async () => {
      const job = this.store.get(exit.jobId);
      if (!job) return;
      // A launcher that knows why the worker ended (a pod killed for its memory) decides as a
      // worker's own failure report would; a stop notice still ends in a preemption.
      const decision =
        exit.failure && !job.preempting
          ? onReport(job, { type: 'failed', attempt: exit.attempt, reason: exit.failure.reason, retryable: exit.failure.retryable }, this.retry, this.now())
          : onWorkerExit(job, exit, this.retry, this.now());
      if (decision.length === 0) return;
      if (!job.preempting) this.log.warn({ jobId: job.id, team: job.team, attempt: job.attempt }, 'worker exited without a result');
      const after = await this.transitioner.apply(job, decision);
      if (!job.preempting) this.metrics.retried(RetryCauses.lostWorker, after);
      void this.requestCycle();
    });
  }

  /** Requeues (or fails) running jobs whose workers have gone silent; their workers are told to stop. */
  expireLeases(beats: ReadonlyMap<string, LastBeat>, sinceMs: number): Promise<void> {
    return this.executor.run(async () => {
      if (this.closed) return;
      const now = this.clock.now().getTime();
      const jobs = this.store.queue.onGpus().map((j) => ({ id: j.id, state: j.state, attempt: (j as JobRecord).attempt, startedAtMs: (j as JobRecord).startedAt ? Date.parse((j as JobRecord).startedAt as string) : undefined }));
      const expired = expiredLeases(jobs, beats, now, this.config.heartbeatTimeoutMs, sinceMs);
      for (const id of expired) {
        const job = this.store.get(id);
        if (!job) continue;
        const after = await this.transitioner.apply(job, onLeaseExpired(job, this.config.heartbeatTimeoutMs, this.retry, this.now()));
        this.metrics.retried(RetryCauses.leaseExpired, after);
      }
      if (expired.length > 0) void this.requestCycle();
    });
  }

  /**
   * Asks for a cycle after the work already queued, and resolves when it has run: submissions and
   * reports that arrive together (several GPUs freed at once) are all applied first and served by
   * one cycle.
   */
  private requestCycle(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.cycleRequested) return this.cycleRequested;
    const cycle = this.executor.run(async () => {
      this.cycleRequested = undefined;
      if (!this.closed) await this.cycles.run();
    });
    this.cycleRequested = cycle.catch((err: unknown) => this.log.error({ err }, 'cycle failed'));
    return this.cycleRequested;
  }

  /** Runs a cycle in turn with other work: at day boundaries, or when a test moves its clock. */
  wake(): Promise<void> {
    return this.executor.run(() => this.cycles.run());
  }

  /** Runs a cycle now; for callers already inside the serial executor (slot commands). */
  runCycle(): Promise<void> {
    return this.cycles.run();
  }

  /** Servers where jobs hold GPUs now. */
  busyServers(): Set<string> {
    return new Set(this.store.queue.onGpus().flatMap((j) => j.assignedGpus.map((g) => g.server)));
  }

  /** GPU-hours a team's preemptible jobs used outside its slots. */
  backfillGpuHours(team: string): number {
    return this.ledger.backfillGpuHours(team);
  }

  /** GPU-hours per team and day: finished runs and the ones running now. */
  usage(query: UsageQuery): Promise<UsageRow[]> {
    const team = scopeTeam(query.caller, query.team, {
      otherTeam: (wanted) => new CommandError(ErrorCodes.permissionDenied, `you can see only your own team's usage, not team ${wanted}'s`, { reason: ErrorReasons.otherTeam, metadata: { team: wanted } }),
      noTeam,
    });
    return Promise.resolve(this.ledger.usage(this.calendar.term, team));
  }

  /** A queued job as a reader sees it: with why it waits and its place in the queue. */
  private withWaiting(job: JobRecord): JobRecord {
    if (job.state !== JobStates.queued) return job;
    const waiting = this.cycles.waitingOf(job);
    return waiting ? { ...job, waiting } : job;
  }

  private today(): number {
    return today(this.calendar, this.clock.now().getTime());
  }

  private now(): string {
    return this.clock.now().toISOString();
  }

  private visibleJob(ref: JobRef): JobRecord {
    const job = this.store.get(ref.jobId);
    if (!job) throw notFound(ref.jobId);
    if (!canSee(ref.caller, job.team)) throw otherTeam(ref.jobId);
    return job;
  }
}

/** The core's view of a worker's report; undefined for reports that change no state (logs, progress). */
function workerReport(event: JobEventEnvelope): WorkerReport | undefined {
  const body = event.body;
  switch (body.type) {
    case 'started':
      return { type: 'started', attempt: event.attempt, time: event.time, backend: body.backend };
    case 'result':
      return { type: 'result', attempt: event.attempt, resultRef: body.resultRef, backend: body.backend };
    case 'failed':
      return { type: 'failed', attempt: event.attempt, reason: body.reason, retryable: body.retryable, resultRef: body.resultRef };
    default:
      return undefined;
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
  throw invalid('page_token is not one this server gave out', { field: 'page_token' });
}

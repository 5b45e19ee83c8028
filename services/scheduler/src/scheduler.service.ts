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
  isTerminalState,
} from '@gpulab/contracts';
import { AnyFreeGpuPlacement, assertTransition, canTransition, largestServer, planCycle, totalGpus } from '@gpulab/scheduling';
import { type Clock } from './clock';
import { type SchedulerConfig } from './config';
import { CommandError, invalid, notFound, otherTeam, precondition } from './errors';
import { JobEvents } from './job-events';
import { JobStore } from './job-store';
import { type Launcher, LAUNCHER, type WorkerExit } from './launcher';
import { CLOCK, SCHEDULER_CONFIG } from './tokens';

const MAX_PAGE_SIZE = 500;

/**
 * The single writer of job state. Commands, worker reports and worker exits all pass through
 * one queue, so decisions are taken on a state no other path is changing at that moment; KV
 * compare-and-set guards against other processes.
 */
@Injectable()
export class SchedulerService {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly placement = new AnyFreeGpuPlacement();
  private closed = false;

  constructor(
    @InjectPinoLogger(SchedulerService.name) private readonly log: PinoLogger,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly store: JobStore,
    private readonly events: JobEvents,
    @Inject(LAUNCHER) private readonly launcher: Launcher,
  ) {
    launcher.onExit((exit) => void this.workerExited(exit));
  }

  /** Loads the jobs, takes back or requeues the ones that were running, and runs a cycle. */
  async start(): Promise<void> {
    const count = await this.store.load();
    const { inventory } = this.config;
    this.log.info({ jobs: count, servers: inventory.servers, gpus: totalGpus(inventory) }, 'scheduler state loaded');
    await this.serial(async () => {
      for (const job of this.store.all()) {
        if (job.state !== JobStates.scheduled && job.state !== JobStates.running) continue;
        if (job.workerHandle && this.launcher.adopt(job, job.workerHandle)) {
          this.log.info({ jobId: job.id, team: job.team, handle: job.workerHandle }, 'worker adopted');
        } else {
          await this.workerLost(job, 'its worker was gone after a scheduler restart');
        }
      }
      await this.cycle();
    });
  }

  close(): void {
    this.closed = true;
  }

  submit(command: SubmitCommand): Promise<JobReply> {
    return this.serial(async () => {
      const team = this.teamOf(command.caller);
      if (!Number.isInteger(command.gpus) || command.gpus < 1) throw invalid(`gpus must be 1 or more, not ${command.gpus}`);
      const largest = largestServer(this.config.inventory);
      if (command.gpus > largest) throw invalid(`a job can use at most ${largest} GPUs (all on one server), not ${command.gpus}`);
      const record: JobRecord = {
        id: command.jobId,
        team,
        submittedBy: command.caller.name,
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
        await this.events.publish(record.id, 0, { type: 'state', state: JobStates.queued });
        await this.cycle();
      }
      const job = this.store.get(record.id) ?? record;
      if (job.team !== team) throw invalid(`job id ${record.id} is taken`);
      return { job, notices: job.waitingReason ? [job.waitingReason] : [] };
    });
  }

  cancel(ref: JobRef): Promise<JobReply> {
    return this.serial(async () => {
      const job = this.visibleJob(ref);
      if (isTerminalState(job.state)) throw precondition(`job ${job.id} has already ended (${job.state})`);
      const holdsWorker = job.state === JobStates.scheduled || job.state === JobStates.running;
      const cancelled = await this.transition(job, JobStates.cancelled, { reason: `cancelled by ${ref.caller.name}` });
      if (holdsWorker) this.launcher.stop(job.id, this.config.stopGraceMs);
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
    return this.serial(async () => {
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
          await this.transition(job, JobStates.succeeded, { resultRef: body.resultRef, backend: body.backend });
          await this.cycle();
          return;
        case 'failed':
          await this.transition(job, JobStates.failed, { reason: body.reason });
          await this.cycle();
          return;
        default:
          return;
      }
    });
  }

  private async workerExited(exit: WorkerExit): Promise<void> {
    if (this.closed) return;
    // The worker publishes its last report before it exits; give the consumer a moment to bring it.
    await new Promise((r) => setTimeout(r, this.config.exitSettleMs));
    await this.serial(async () => {
      const job = this.store.get(exit.jobId);
      if (!job || job.attempt !== exit.attempt || isTerminalState(job.state)) return;
      const how = exit.signal ? `was killed by ${exit.signal}` : exit.code === null ? 'ended' : `exited with code ${exit.code}`;
      await this.workerLost(job, `its worker ${how} without reporting a result`);
      await this.cycle();
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

  /** Places what can run now, then launches those workers. */
  private async cycle(): Promise<void> {
    const started = performance.now();
    const jobs = this.store.all().filter((j) => !isTerminalState(j.state));
    const plan = planCycle({ inventory: this.config.inventory, jobs }, this.placement);
    const nominatedMs = performance.now() - started;
    for (const waiting of plan.waiting) {
      const job = this.store.get(waiting.jobId);
      if (job && job.waitingReason !== waiting.message) {
        await this.store.update(job.id, (j) => ({ ...j, waitingReason: waiting.message }));
      }
    }
    for (const placement of plan.placements) {
      const job = this.store.get(placement.jobId);
      if (!job) continue;
      const scheduled = await this.transition(job, JobStates.scheduled, {
        attempt: job.attempt + 1,
        assignedGpus: placement.gpus,
        scheduledAt: this.clock.now().toISOString(),
        waitingReason: undefined,
        workerHandle: undefined,
      });
      try {
        const { handle } = await this.launcher.launch(scheduled, placement.gpus);
        await this.store.update(job.id, (j) => ({ ...j, workerHandle: handle }));
      } catch (error) {
        await this.transition(scheduled, JobStates.failed, { reason: `the worker could not be started: ${(error as Error).message}` });
      }
    }
    if (plan.placements.length > 0 || plan.waiting.length > 0) {
      this.log.info(
        { placed: plan.placements.length, waiting: plan.waiting.length, nominateMs: round(nominatedMs), totalMs: round(performance.now() - started) },
        'scheduling cycle',
      );
    }
  }

  private async transition(job: JobRecord, to: JobStateName, changes: Partial<JobRecord>): Promise<JobRecord> {
    assertTransition(job.id, job.state, to);
    const now = this.clock.now().toISOString();
    const next = await this.store.update(job.id, (current) => {
      if (current.state !== job.state && !canTransition(current.state, to)) assertTransition(job.id, current.state, to);
      return {
        ...current,
        ...changes,
        state: to,
        ...(isTerminalState(to) ? { finishedAt: now } : {}),
        ...(to === JobStates.queued ? { assignedGpus: [] } : {}),
      };
    });
    this.log.info({ jobId: job.id, team: job.team, from: job.state, to, attempt: next.attempt, reason: changes.reason }, 'job state');
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
    if (caller.role === 'tutor') return caller.team ?? 'tutors';
    if (!caller.team) throw invalid('the caller has no team');
    return caller.team;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
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

import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { type JobRecord, JobStates } from '@gpulab/contracts';
import { createMetricsRegistry, MetricsServer } from '@gpulab/platform';
import { type Inventory } from '@gpulab/scheduling';
import { CalendarStore } from './calendar-store';
import { jobCounts, type ServerGpus, serverGpus } from './cluster-figures';
import { type SchedulerConfig } from './config';
import { JobStore } from './job-store';
import { type WorkerExit } from './launcher';
import { SCHEDULER_CONFIG } from './tokens';
import { type CycleObserver, type CycleStep } from './cycle-runner';

/** Why an attempt ended without a result and the job was queued again. */
export const RetryCauses = { lostWorker: 'lost_worker', leaseExpired: 'lease_expired', transientFailure: 'transient_failure' } as const;
export type RetryCause = (typeof RetryCauses)[keyof typeof RetryCauses];

/** A cycle step takes from microseconds (an idle cluster) to seconds (a long queue's KV writes). */
const STEP_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** A queued job waits from milliseconds (a free GPU) to days (the team's next slot). */
const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400, 3 * 86_400, 7 * 86_400];

/**
 * The scheduler's Prometheus metrics, in a registry of its own, served on
 * `GPULAB_SCHEDULER_METRICS_PORT` when that is set. Counters are bumped where the event happens;
 * figures about state (jobs, GPUs) are computed from the stores when Prometheus scrapes, so the
 * hot path keeps no books for them. Labels are bounded sets (teams, servers, states), never a job
 * id or a token.
 */
@Injectable()
export class SchedulerMetrics implements OnApplicationBootstrap, OnApplicationShutdown, CycleObserver {
  readonly registry: Registry = createMetricsRegistry();
  private server?: MetricsServer;
  /** A standby (or a scheduler that stepped down) holds no state to report, or an outdated one. */
  private leading = false;

  private readonly submissions = new Counter({ name: 'gpulab_submissions_total', help: 'Jobs accepted (retried submits of a stored job not counted again).', labelNames: ['team'], registers: [this.registry] });
  private readonly placements = new Counter({
    name: 'gpulab_placements_total',
    help: 'Jobs placed on GPUs; backfill="true": a preemptible team job on GPUs outside its slot.',
    labelNames: ['backfill'],
    registers: [this.registry],
  });
  private readonly queueWait = new Histogram({
    name: 'gpulab_queue_wait_seconds',
    help: 'From queued (created, or its last attempt ended) to placed on GPUs.',
    buckets: WAIT_BUCKETS,
    registers: [this.registry],
  });
  private readonly cycleSteps = new Histogram({
    name: 'gpulab_cycle_step_seconds',
    help: 'Duration of each step of a scheduling cycle.',
    labelNames: ['step'],
    buckets: STEP_BUCKETS,
    registers: [this.registry],
  });
  private readonly preemptions = new Counter({ name: 'gpulab_preemptions_total', help: 'Stop notices sent to running jobs for a slot’s sake.', registers: [this.registry] });
  private readonly retries = new Counter({
    name: 'gpulab_retries_total',
    help: 'Attempts that ended without a result and were queued again, by cause.',
    labelNames: ['cause'],
    registers: [this.registry],
  });
  private readonly workerExits = new Counter({
    name: 'gpulab_worker_exits_total',
    help: 'Worker processes that ended: how="ok" (code 0), "error" (another code) or "signal" (killed).',
    labelNames: ['how'],
    registers: [this.registry],
  });

  private readonly leadingGauge: Gauge = new Gauge({
    name: 'gpulab_scheduler_leading',
    help: '1 when this scheduler holds the leader lease and serves; 0 on standby.',
    registers: [this.registry],
    collect: () => {
      this.leadingGauge.set(this.leading ? 1 : 0);
    },
  });
  private readonly jobs = new Gauge({
    name: 'gpulab_jobs',
    help: 'Jobs by state and team, as the leading scheduler holds them.',
    labelNames: ['state', 'team'],
    registers: [this.registry],
    collect: () => {
      this.jobs.reset();
      if (!this.leading) return;
      for (const c of jobCounts(this.store.all())) this.jobs.set({ state: c.state, team: c.team }, c.count);
    },
  });
  private readonly gpus = new Gauge({
    name: 'gpulab_gpus',
    help: 'GPUs per server by state: busy (held by a scheduled or running job), free, broken.',
    labelNames: ['server', 'state'],
    registers: [this.registry],
    collect: () => {
      this.gpus.reset();
      for (const s of this.serverGpus()) {
        for (const state of ['busy', 'free', 'broken'] as const) this.gpus.set({ server: s.server, state }, s[state]);
      }
    },
  });
  private readonly utilization = new Gauge({
    name: 'gpulab_gpu_utilization',
    help: 'Busy GPUs over the GPUs in service (not broken) per server, 0 to 1.',
    labelNames: ['server'],
    registers: [this.registry],
    collect: () => {
      this.utilization.reset();
      for (const s of this.serverGpus()) this.utilization.set({ server: s.server }, s.utilization);
    },
  });

  constructor(
    @InjectPinoLogger(SchedulerMetrics.name) private readonly log: PinoLogger,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    private readonly store: JobStore,
    private readonly calendar: CalendarStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.metrics) return;
    this.server = await MetricsServer.start(this.registry, this.config.metrics);
    this.log.info({ url: this.server.url }, `metrics at ${this.server.url}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server?.close();
  }

  /** Where the metrics are served; undefined when they are off. */
  get url(): string | undefined {
    return this.server?.url;
  }

  /** This scheduler took the lease and loaded the state (true), or stepped down (false). */
  setLeading(leading: boolean): void {
    this.leading = leading;
  }

  submitted(team: string): void {
    this.submissions.inc({ team });
  }

  /** A job just moved to SCHEDULED: counted, and its wait in the queue observed. */
  placed(job: Pick<JobRecord, 'backfill' | 'createdAt' | 'scheduledAt' | 'attempts'>): void {
    this.placements.inc({ backfill: String(job.backfill === true) });
    // The attempt just begun is the last; the wait began when the one before it ended.
    const queuedSince = Date.parse(job.attempts?.at(-2)?.to ?? job.createdAt);
    const scheduledAt = Date.parse(job.scheduledAt ?? '');
    if (Number.isFinite(queuedSince) && Number.isFinite(scheduledAt)) this.queueWait.observe(Math.max(0, scheduledAt - queuedSince) / 1000);
  }

  preempted(): void {
    this.preemptions.inc();
  }

  /** Counts a retry when the job, after a lost attempt was handled, is queued again (not failed for good). */
  retried(cause: RetryCause, after: Pick<JobRecord, 'state'> | undefined): void {
    if (after?.state === JobStates.queued) this.retries.inc({ cause });
  }

  workerExited(exit: WorkerExit): void {
    this.workerExits.inc({ how: exit.signal ? 'signal' : exit.code === 0 ? 'ok' : 'error' });
  }

  observeStep(step: CycleStep, seconds: number): void {
    this.cycleSteps.observe({ step }, seconds);
  }

  /** Nothing while this scheduler does not lead, or its calendar is not loaded (a standby that never led). */
  private serverGpus(): ServerGpus[] {
    if (!this.leading) return [];
    let inventory: Inventory;
    try {
      inventory = this.calendar.inventory;
    } catch {
      return [];
    }
    return serverGpus(inventory, this.store.unfinished());
  }
}

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Nats } from '@gpulab/contracts';
import { InjectPinoLogger, LoggerModule, PinoLogger } from 'nestjs-pino';
import { connectNats, createLogger, type JetStreamResources, type NatsConnection, openJetStreamResources, logNatsRefusals, logRetries, natsTlsFromEnv, readWorkerSigner } from '@gpulab/platform';
import { BenchmarkHistory } from './benchmark-history';
import { BenchScheduleStore } from './bench-schedule-store';
import { BenchScheduler } from './bench-scheduler';
import { type Clock, systemClock } from './clock';
import { CalendarService } from './calendar.service';
import { CalendarStore } from './calendar-store';
import { schedulerCommandHandlers } from './command-handlers';
import { CommandServer } from './command-server';
import { type SchedulerConfig } from './config';
import { FinalReports } from './final-reports';
import { HeartbeatMonitor } from './heartbeat-monitor';
import { JobEvents } from './job-events';
import { LeaderLease, type LeaseLossReason } from './leader-lease';
import { JobStore } from './job-store';
import { type Launcher, LAUNCHER } from './launcher';
import { LocalLauncher } from './local-launcher';
import { connectKube } from './kubernetes/kube-client';
import { KubernetesLauncher } from './kubernetes/kubernetes-launcher';
import { inventoryFromNodes } from './kubernetes/node-inventory';
import { NodeInventorySync } from './kubernetes/node-inventory-sync';
import { ReportsConsumer } from './reports-consumer';
import { SchedulerMetrics } from './scheduler-metrics';
import { SchedulerService } from './scheduler.service';
import { SerialExecutor } from './serial-executor';
import { TeamDirectory } from './team-directory';
import { WorkerCredentials } from './worker-credentials';
import { TeamStorageRoom } from './team-storage-room';
import { WorkerDataServer } from './worker-data-server';
import { CLOCK, COMMAND_HANDLERS, JETSTREAM, LEASE_NATS, NATS, SCHEDULER_CONFIG } from './tokens';

@Module({})
export class SchedulerModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private shuttingDown = false;

  /** `launcher` replaces the local one (benchmarks, other launchers); `clock` lets tests drive time. */
  static forConfig(config: SchedulerConfig, clock: Clock = systemClock, launcher?: Launcher) {
    const logger = createLogger('scheduler', config.logLevel);
    const workerCredentials = config.workerSignerFile ? new WorkerCredentials(readWorkerSigner(config.workerSignerFile)) : undefined;
    return {
      module: SchedulerModule,
      imports: [LoggerModule.forRoot({ pinoHttp: { logger } })],
      providers: [
        {
          provide: SCHEDULER_CONFIG,
          inject: [LAUNCHER],
          // In a cluster the servers are the course nodes (used on a first start; then KV keeps them).
          useFactory: async (chosen: Launcher): Promise<SchedulerConfig> =>
            chosen instanceof KubernetesLauncher ? { ...config, inventory: inventoryFromNodes(await chosen.listCourseNodes()) } : config,
        },
        { provide: CLOCK, useValue: clock },
        { provide: NATS, useFactory: () => connectNats({ url: config.natsUrl, name: 'gpulab-scheduler', creds: config.natsCredsFile ? readFileSync(config.natsCredsFile, 'utf8') : undefined, tls: natsTlsFromEnv(process.env) }) },
        // The lease on a connection of its own: heavy traffic on the main one (a state change fanned
        // out to many watchers, a slow subscriber) never delays a renewal.
        { provide: LEASE_NATS, useFactory: () => connectNats({ url: config.natsUrl, name: 'gpulab-scheduler-lease', creds: config.natsCredsFile ? readFileSync(config.natsCredsFile, 'utf8') : undefined, tls: natsTlsFromEnv(process.env) }) },
        { provide: JETSTREAM, inject: [NATS], useFactory: (nc: NatsConnection) => openJetStreamResources(nc, config.natsReplicas, { retry: { onRetry: logRetries(logger) } }) },
        { provide: JobStore, inject: [JETSTREAM], useFactory: (r: JetStreamResources) => new JobStore(r.jobs) },
        { provide: CalendarStore, inject: [JETSTREAM], useFactory: (r: JetStreamResources) => new CalendarStore(r.calendar) },
        {
          provide: LeaderLease,
          // JETSTREAM first: it creates the bucket the lease lives in.
          inject: [LEASE_NATS, JETSTREAM],
          // Its requests give up after a renewal period (a third of the lease), not the client's
          // 5 s: a standby, or a leader that just stepped down, looks again soon after the store
          // answers again (a JetStream leader elected) instead of waiting out a lost request.
          useFactory: async (nc: NatsConnection) =>
            new LeaderLease(await new Kvm(jetstream(nc, { timeout: Math.max(Math.floor(config.leaderLeaseMs / 3), 500) })).open(Nats.calendarBucket), clock, {
              holder: `scheduler-${hostname()}-${process.pid}`,
              leaseMs: config.leaderLeaseMs,
            }),
        },
        { provide: TeamDirectory, inject: [CalendarStore], useFactory: (store: CalendarStore) => new TeamDirectory(config.tokensFile, store, (problem) => logger.warn({ file: config.tokensFile }, `tokens file not loaded: ${problem}`)) },
        { provide: BenchmarkHistory, inject: [JETSTREAM], useFactory: (r: JetStreamResources) => new BenchmarkHistory(r.jobs, r.js, clock) },
        { provide: JobEvents, inject: [JETSTREAM], useFactory: (r: JetStreamResources) => new JobEvents(r.js, clock) },
        {
          provide: LAUNCHER,
          useFactory: () =>
            launcher ??
            (config.kubernetes
              ? new KubernetesLauncher({
                  config: config.kubernetes,
                  client: connectKube(config.kubernetes),
                  clock,
                  log: logger.child({ context: KubernetesLauncher.name }),
                  natsUrl: config.natsUrl,
                  preemptGraceMs: config.preemptGraceMs,
                  stopGraceMs: config.stopGraceMs,
                  workerEnv: { GPULAB_LOG_LEVEL: config.logLevel, GPULAB_HEARTBEAT_INTERVAL_MS: String(config.heartbeatIntervalMs) },
                  credentials: workerCredentials ? (job) => workerCredentials.mint(job) : undefined,
                })
              : undefined) ??
            new LocalLauncher({
              natsUrl: config.natsUrl,
              workerEntry: config.workerEntry,
              env: {
                GPULAB_LOG_LEVEL: config.logLevel,
                GPULAB_HEARTBEAT_INTERVAL_MS: String(config.heartbeatIntervalMs),
                // A run job's worker shares these out between its command and saving its folders.
                GPULAB_STOP_GRACE_MS: String(config.stopGraceMs),
                GPULAB_PREEMPT_GRACE_MS: String(config.preemptGraceMs),
              },
              credentials: workerCredentials ? (job) => workerCredentials.mint(job) : undefined,
            }),
        },
        SerialExecutor,
        FinalReports,
        SchedulerMetrics,
        SchedulerService,
        CalendarService,
        {
          provide: BenchScheduler,
          inject: [JETSTREAM, SchedulerService, JobStore, CalendarStore],
          useFactory: (r: JetStreamResources, scheduler: SchedulerService, jobs: JobStore, calendar: CalendarStore) =>
            new BenchScheduler({
              log: logger.child({ context: BenchScheduler.name }),
              clock,
              store: new BenchScheduleStore(r.jobs),
              jobs: { submit: (c) => scheduler.submit(c), cancel: (c) => scheduler.cancel(c), job: (id) => jobs.get(id) },
              timeZone: () => calendar.term.timeZone,
            }),
        },
        { provide: COMMAND_HANDLERS, inject: [SchedulerService, CalendarService, BenchScheduler], useFactory: schedulerCommandHandlers },
        CommandServer,
        ReportsConsumer,
        HeartbeatMonitor,
        { provide: TeamStorageRoom, inject: [JETSTREAM], useFactory: (r: JetStreamResources) => new TeamStorageRoom(r, config.teamStorageBytes) },
        WorkerDataServer,
      ],
    };
  }

  constructor(
    @InjectPinoLogger(SchedulerModule.name) private readonly log: PinoLogger,
    private readonly lease: LeaderLease,
    private readonly scheduler: SchedulerService,
    private readonly benchSchedules: BenchScheduler,
    private readonly metrics: SchedulerMetrics,
    private readonly commands: CommandServer,
    private readonly reports: ReportsConsumer,
    private readonly heartbeats: HeartbeatMonitor,
    private readonly workerData: WorkerDataServer,
    @Inject(LAUNCHER) private readonly launcher: Launcher,
    private readonly calendar: CalendarService,
    private readonly calendarStore: CalendarStore,
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(LEASE_NATS) private readonly leaseNc: NatsConnection,
  ) {}

  /** A standby waits here until the leader's lease expires; then it loads the state and serves. */
  async onApplicationBootstrap(): Promise<void> {
    logNatsRefusals(this.nc, 'scheduler', this.log);
    this.lease.onLost((reason) => void this.stepDown(reason));
    if (this.launcher instanceof KubernetesLauncher) {
      const sync = new NodeInventorySync(this.calendar, () => this.calendarStore.inventory, this.log);
      this.launcher.onNodes((nodes) => sync.nodesChanged(nodes));
    }
    await this.lead();
  }

  private async lead(): Promise<void> {
    await this.lease.acquire((holder) => this.log.info({ leader: holder }, 'standby: another scheduler leads; waiting for its lease to expire'));
    if (this.shuttingDown) return;
    this.log.info('leader lease acquired');
    await this.scheduler.start();
    this.metrics.setLeading(true);
    await this.benchSchedules.start();
    await this.workerData.start();
    this.heartbeats.start();
    await this.reports.start();
    await this.commands.start();
  }

  /**
   * Two leaders must never act at once: one that lost its lease stops serving at once and waits
   * as a standby; once it leads again it reloads the state, since the other leader changed it.
   * Workers are left running: whichever scheduler leads adopts them.
   */
  private async stepDown(reason: LeaseLossReason): Promise<void> {
    if (this.shuttingDown) return;
    this.log.warn(
      { reason },
      reason === 'taken' ? 'leader lease taken over by another scheduler; stepping down to standby' : 'leader lease could not be renewed before it expired; stepping down to standby',
    );
    await this.stopServing();
    if (this.shuttingDown) return;
    try {
      await this.lead();
    } catch (error) {
      if (!this.shuttingDown) {
        this.log.fatal({ err: error }, 'could not lead again after stepping down; exiting');
        process.exit(70);
      }
    }
  }

  /** Commands first: no answer may come from a scheduler that no longer leads. */
  private async stopServing(): Promise<void> {
    await this.commands.close();
    this.metrics.setLeading(false);
    this.workerData.close();
    this.heartbeats.close();
    this.benchSchedules.close();
    this.scheduler.close();
    await this.reports.close();
    await this.launcher.close();
  }

  async onApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    await this.stopServing();
    // Last: a standby may act as soon as the lease is free.
    await this.lease.release();
    await this.nc.drain();
    await this.leaseNc.drain();
  }
}

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectPinoLogger, LoggerModule, PinoLogger } from 'nestjs-pino';
import { connectNats, createLogger, type JetStreamResources, type NatsConnection, openJetStreamResources, logNatsRefusals, natsTlsFromEnv, readWorkerSigner } from '@gpulab/platform';
import { type Clock, systemClock } from './clock';
import { CalendarService } from './calendar.service';
import { CalendarStore } from './calendar-store';
import { CommandServer } from './command-server';
import { type SchedulerConfig } from './config';
import { HeartbeatMonitor } from './heartbeat-monitor';
import { JobEvents } from './job-events';
import { LeaderLease } from './leader-lease';
import { JobStore } from './job-store';
import { type Launcher, LAUNCHER } from './launcher';
import { LocalLauncher } from './local-launcher';
import { ReportsConsumer } from './reports-consumer';
import { SchedulerService } from './scheduler.service';
import { SerialExecutor } from './serial-executor';
import { TeamDirectory } from './team-directory';
import { WorkerCredentials } from './worker-credentials';
import { WorkerDataServer } from './worker-data-server';
import { CLOCK, JETSTREAM, NATS, SCHEDULER_CONFIG } from './tokens';

@Module({})
export class SchedulerModule implements OnApplicationBootstrap, OnApplicationShutdown {
  /** `launcher` replaces the local one (benchmarks, other launchers); `clock` lets tests drive time. */
  static forConfig(config: SchedulerConfig, clock: Clock = systemClock, launcher?: Launcher) {
    const logger = createLogger('scheduler', config.logLevel);
    const workerCredentials = config.workerSignerFile ? new WorkerCredentials(readWorkerSigner(config.workerSignerFile)) : undefined;
    return {
      module: SchedulerModule,
      imports: [LoggerModule.forRoot({ pinoHttp: { logger } })],
      providers: [
        { provide: SCHEDULER_CONFIG, useValue: config },
        { provide: CLOCK, useValue: clock },
        { provide: NATS, useFactory: () => connectNats({ url: config.natsUrl, name: 'gpulab-scheduler', creds: config.natsCredsFile ? readFileSync(config.natsCredsFile, 'utf8') : undefined, tls: natsTlsFromEnv(process.env) }) },
        { provide: JETSTREAM, inject: [NATS], useFactory: (nc: NatsConnection) => openJetStreamResources(nc) },
        { provide: JobStore, inject: [JETSTREAM], useFactory: (r: JetStreamResources) => new JobStore(r.jobs) },
        { provide: CalendarStore, inject: [JETSTREAM], useFactory: (r: JetStreamResources) => new CalendarStore(r.calendar) },
        {
          provide: LeaderLease,
          inject: [JETSTREAM],
          useFactory: (r: JetStreamResources) => new LeaderLease(r.calendar, clock, { holder: `scheduler-${hostname()}-${process.pid}`, leaseMs: config.leaderLeaseMs }),
        },
        { provide: TeamDirectory, inject: [CalendarStore], useFactory: (store: CalendarStore) => new TeamDirectory(config.tokensFile, store, (problem) => logger.warn({ file: config.tokensFile }, `tokens file not loaded: ${problem}`)) },
        { provide: JobEvents, inject: [JETSTREAM], useFactory: (r: JetStreamResources) => new JobEvents(r.js, clock) },
        {
          provide: LAUNCHER,
          useFactory: () =>
            launcher ??
            new LocalLauncher({
              natsUrl: config.natsUrl,
              workerEntry: config.workerEntry,
              env: { GPULAB_LOG_LEVEL: config.logLevel, GPULAB_HEARTBEAT_INTERVAL_MS: String(config.heartbeatIntervalMs) },
              credentials: workerCredentials ? (job) => workerCredentials.mint(job) : undefined,
            }),
        },
        SerialExecutor,
        SchedulerService,
        CalendarService,
        CommandServer,
        ReportsConsumer,
        HeartbeatMonitor,
        WorkerDataServer,
      ],
    };
  }

  constructor(
    @InjectPinoLogger(SchedulerModule.name) private readonly log: PinoLogger,
    private readonly lease: LeaderLease,
    private readonly scheduler: SchedulerService,
    private readonly commands: CommandServer,
    private readonly reports: ReportsConsumer,
    private readonly heartbeats: HeartbeatMonitor,
    private readonly workerData: WorkerDataServer,
    @Inject(LAUNCHER) private readonly launcher: Launcher,
    @Inject(NATS) private readonly nc: NatsConnection,
  ) {}

  /** A standby waits here until the leader's lease expires; then it loads the state and serves. */
  async onApplicationBootstrap(): Promise<void> {
    logNatsRefusals(this.nc, 'scheduler', this.log);
    await this.lease.acquire((holder) => this.log.info({ leader: holder }, 'standby: another scheduler leads; waiting for its lease to expire'));
    this.lease.onLost(() => {
      // Two leaders must never act at once: the one that lost its lease leaves immediately.
      this.log.fatal('leader lease lost to another scheduler; exiting');
      process.exit(70);
    });
    this.log.info('leader lease acquired');
    await this.scheduler.start();
    await this.workerData.start();
    this.heartbeats.start();
    await this.reports.start();
    await this.commands.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.scheduler.close();
    this.heartbeats.close();
    this.workerData.close();
    await this.commands.close();
    await this.reports.close();
    await this.launcher.close();
    // Last: a standby may act as soon as the lease is free.
    await this.lease.release();
    await this.nc.drain();
  }
}

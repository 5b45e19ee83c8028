import { readFileSync } from 'node:fs';
import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { InjectPinoLogger, LoggerModule, PinoLogger } from 'nestjs-pino';
import { connectNats, createLogger, type JetStreamResources, logNatsRefusals, logRetries, type NatsConnection, natsTlsFromEnv, openJetStreamResources, StorageLedger } from '@gpulab/platform';
import { ArtifactLibrary } from './artifact-library';
import { ArtifactStore } from './artifact-store';
import { SweepSchedule } from './sweep-schedule';
import { ArtifactsGrpcService } from './artifacts.grpc-service';
import { HeavyWorkGate } from './heavy-work-gate';
import { InputSweeper } from './input-sweeper';
import { JobOutputs } from './job-outputs';
import { type GatewayConfig } from './config';
import { GatewayMetrics } from './gateway-metrics';
import { GrpcServer } from './grpc-server';
import { InputIntake } from './input-intake';
import { JobEventFeed } from './job-event-feed';
import { JobLogReader } from './job-log-reader';
import { JobResources } from './job-resources';
import { JobsGrpcService } from './jobs.grpc-service';
import { ResultDownload } from './result-download';
import { ModelReference } from './model-reference';
import { ResultReader } from './result-reader';
import { NoticeReader } from './notice-reader';
import { BenchmarkRows } from './benchmark-rows';
import { RpcHandler } from './rpc-handler';
import { SlotsGrpcService } from './slots.grpc-service';
import { SchedulerClient } from './scheduler-client';
import { TokenAuthenticator } from './token-authenticator';
import { parseUpload } from './upload-parser';
import { readServerTls } from './server-tls';
import { GATEWAY_CONFIG, JETSTREAM, NATS, SERVER_TLS } from './tokens';

@Module({})
export class GatewayModule implements OnApplicationShutdown {
  /** Reads the TLS files at once (before NATS or anything else starts), so a bad one stops the start with its name. */
  static forConfig(config: GatewayConfig) {
    const tls = config.tls ? readServerTls(config.tls) : null;
    const logger = createLogger('gateway', config.logLevel);
    return {
      module: GatewayModule,
      imports: [LoggerModule.forRoot({ pinoHttp: { logger } })],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: SERVER_TLS, useValue: tls },
        { provide: NATS, useFactory: () => connectNats({ url: config.natsUrl, name: 'gpulab-gateway', creds: config.natsCredsFile ? readFileSync(config.natsCredsFile, 'utf8') : undefined, tls: natsTlsFromEnv(process.env) }) },
        { provide: JETSTREAM, inject: [NATS], useFactory: (nc: NatsConnection) => openJetStreamResources(nc, config.natsReplicas, { retry: { onRetry: logRetries(logger) } }) },
        {
          provide: TokenAuthenticator,
          inject: [JETSTREAM],
          useFactory: (r: JetStreamResources) =>
            new TokenAuthenticator(config.tokensFile, r.calendar, undefined, (problem) => logger.warn({ file: config.tokensFile }, `tokens file not loaded: ${problem}`)),
        },
        { provide: SchedulerClient, inject: [NATS], useFactory: (nc: NatsConnection) => new SchedulerClient(nc, config.schedulerTimeoutMs) },
        {
          provide: StorageLedger,
          inject: [JETSTREAM],
          useFactory: async (r: JetStreamResources) => {
            const ledger = new StorageLedger(r.artifactIndex, r.artifacts);
            await ledger.start();
            return ledger;
          },
        },
        { provide: HeavyWorkGate, useFactory: () => new HeavyWorkGate({ concurrency: config.heavyConcurrency, maxWaiting: config.heavyQueue }) },
        {
          provide: ArtifactStore,
          inject: [JETSTREAM, StorageLedger],
          useFactory: async (r: JetStreamResources, ledger: StorageLedger) => new ArtifactStore(r.artifactIndex, r.artifacts, await r.js.jetstreamManager(), ledger),
        },
        {
          provide: ArtifactLibrary,
          inject: [ArtifactStore, SchedulerClient, StorageLedger, HeavyWorkGate],
          useFactory: (store: ArtifactStore, scheduler: SchedulerClient, ledger: StorageLedger, gate: HeavyWorkGate) =>
            new ArtifactLibrary(store, parseUpload, (id) => scheduler.unfinishedJobsReading(id), {
              teamStorageBytes: config.teamStorageBytes,
              ledger,
              gate,
              chunkBytes: config.uploadChunkBytes,
              uploadExpiryMs: config.uploadExpiryMs,
            }),
        },
        {
          provide: InputIntake,
          inject: [JETSTREAM, ArtifactLibrary, StorageLedger, HeavyWorkGate],
          useFactory: (r: JetStreamResources, library: ArtifactLibrary, ledger: StorageLedger, gate: HeavyWorkGate) => new InputIntake(r.artifacts, library, ledger, gate),
        },
        {
          provide: InputSweeper,
          inject: [JETSTREAM, StorageLedger, SchedulerClient],
          useFactory: (r: JetStreamResources, ledger: StorageLedger, scheduler: SchedulerClient) => new InputSweeper(ledger, r.artifacts, scheduler),
        },
        {
          provide: JobOutputs,
          inject: [JETSTREAM, StorageLedger, SchedulerClient, ResultReader],
          useFactory: (r: JetStreamResources, ledger: StorageLedger, scheduler: SchedulerClient, results: ResultReader) =>
            new JobOutputs(ledger, r.artifacts, scheduler, results, { retentionMs: config.outputRetentionMs, teamStorageBytes: config.teamStorageBytes }),
        },
        { provide: ResultDownload, inject: [JETSTREAM], useFactory: (r: JetStreamResources) => new ResultDownload(r.artifacts) },
        { provide: ResultReader, inject: [JETSTREAM], useFactory: (r: JetStreamResources) => new ResultReader(r.artifacts) },
        {
          provide: ModelReference,
          inject: [SchedulerClient, ResultReader, ArtifactLibrary],
          useFactory: (s: SchedulerClient, results: ResultReader, library: ArtifactLibrary) => new ModelReference(s, results, library.catalogue),
        },
        { provide: JobEventFeed, inject: [JETSTREAM, ResultReader], useFactory: (r: JetStreamResources, results: ResultReader) => new JobEventFeed(r.js, results) },
        { provide: JobLogReader, inject: [JETSTREAM], useFactory: (r: JetStreamResources) => new JobLogReader(r.js) },
        { provide: JobResources, inject: [JETSTREAM], useFactory: async (r: JetStreamResources) => new JobResources(await r.js.jetstreamManager()) },
        { provide: BenchmarkRows, inject: [JETSTREAM], useFactory: (r: JetStreamResources) => new BenchmarkRows(r.jobs) },
        { provide: NoticeReader, inject: [JETSTREAM], useFactory: (r: JetStreamResources) => new NoticeReader(r.js) },
        GatewayMetrics,
        RpcHandler,
        JobsGrpcService,
        SlotsGrpcService,
        ArtifactsGrpcService,
        SweepSchedule,
        GrpcServer,
      ],
    };
  }

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @InjectPinoLogger(GatewayModule.name) log: PinoLogger,
  ) {
    logNatsRefusals(nc, 'gateway', log);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.nc.drain();
  }
}

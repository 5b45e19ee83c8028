import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { Server } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { join } from 'node:path';
import { pb } from '@gpulab/contracts';
import { type GatewayConfig } from './config';
import { ArtifactsGrpcService } from './artifacts.grpc-service';
import { JobsGrpcService } from './jobs.grpc-service';
import { SlotsGrpcService } from './slots.grpc-service';
import { plaintextWarning, serverCredentials, type ServerTls } from './server-tls';
import { GATEWAY_CONFIG, SERVER_TLS } from './tokens';
import { tolerantService, unreadableRequests } from './unreadable-requests';

const SERVICES = ['gpulab.v1.JobService', 'gpulab.v1.SlotService', 'gpulab.v1.AdminService', 'gpulab.v1.ArtifactService'];
/** The proto files reflection describes, relative to the proto directory. */
const PROTO_FILES = ['gpulab/v1/job_service.proto', 'gpulab/v1/slot_service.proto', 'gpulab/v1/admin_service.proto', 'gpulab/v1/artifact_service.proto'];

/** The public gRPC door: the gpulab services, health checking and server reflection on one port. */
@Injectable()
export class GrpcServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly server: Server;
  private readonly health = new HealthImplementation({ '': 'NOT_SERVING', ...Object.fromEntries(SERVICES.map((s) => [s, 'NOT_SERVING'])) });
  /** The port actually bound (differs from the configured one when that is 0). */
  port = 0;

  constructor(
    @InjectPinoLogger(GrpcServer.name) private readonly log: PinoLogger,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(SERVER_TLS) private readonly tls: ServerTls | null,
    jobs: JobsGrpcService,
    slots: SlotsGrpcService,
    artifacts: ArtifactsGrpcService,
  ) {
    // GPULAB_MAX_MESSAGE_MIB both ways, as the SDK's default: a request or answer that one side
    // would refuse is refused by the other too, with RESOURCE_EXHAUSTED instead of a cut stream.
    this.server = new Server({
      'grpc.max_receive_message_length': config.maxMessageBytes,
      'grpc.max_send_message_length': config.maxMessageBytes,
      interceptors: [unreadableRequests],
    });
    this.server.addService(tolerantService(pb.JobServiceService), jobs.implementation());
    this.server.addService(tolerantService(pb.SlotServiceService), slots.slots());
    this.server.addService(tolerantService(pb.AdminServiceService), slots.admin());
    this.server.addService(tolerantService(pb.ArtifactServiceService), artifacts.implementation());
    this.health.addToServer(this.server);
    const definitions = loadSync(PROTO_FILES.map((f) => join(config.protoDir, f)), { includeDirs: [config.protoDir] });
    new ReflectionService(definitions).addToServer(this.server);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`${this.config.host}:${this.config.port}`, serverCredentials(this.tls), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
    this.health.setStatus('', 'SERVING');
    for (const s of SERVICES) this.health.setStatus(s, 'SERVING');
    const transport = !this.tls ? 'plaintext' : this.tls.clientCa ? 'TLS, client certificates required' : 'TLS';
    this.log.info(
      { port: this.port, transport, ...(this.tls ? { certificate: this.tls.files.certFile, validTo: this.tls.validTo } : {}) },
      `gateway listening on ${this.config.host}:${this.port} (${transport})`,
    );
    const warning = plaintextWarning(this.config.host, this.tls !== null);
    if (warning) this.log.warn({ host: this.config.host }, warning);
  }

  /** Lets calls in flight finish for a few seconds, then cuts the rest (open watches). */
  async onApplicationShutdown(): Promise<void> {
    this.health.setStatus('', 'NOT_SERVING');
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 3000);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}

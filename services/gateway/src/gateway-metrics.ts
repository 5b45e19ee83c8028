import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { status } from '@grpc/grpc-js';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createMetricsRegistry, MetricsServer } from '@gpulab/platform';
import { type GatewayConfig } from './config';
import { type RateLimitGroup } from './rate-limiter';
import { GATEWAY_CONFIG } from './tokens';

/** From a cached read (a millisecond) to a watch that stays open while its job runs (hours). */
const RPC_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600];

/** A call's end: its gRPC status code. */
export type RpcDone = (code: status) => void;

/**
 * The gateway's Prometheus metrics, in a registry of its own, served on
 * `GPULAB_GATEWAY_METRICS_PORT` when that is set. Recorded by RpcHandler, which every RPC passes
 * through. The `method` label is an RPC name of the gateway's fixed list (RPC_LIMIT_GROUPS), never
 * anything a caller sends; callers are not labelled at all (tokens are secrets, members many).
 */
@Injectable()
export class GatewayMetrics implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly registry: Registry = createMetricsRegistry();
  private server?: MetricsServer;

  private readonly requests = new Counter({
    name: 'gpulab_rpc_requests_total',
    help: 'RPCs that ended, by method and gRPC status code name (OK, INVALID_ARGUMENT, …); streams counted when they end.',
    labelNames: ['method', 'code'],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'gpulab_rpc_duration_seconds',
    help: 'From a call’s arrival to its answer (a stream: to its end), whatever its outcome.',
    labelNames: ['method'],
    buckets: RPC_BUCKETS,
    registers: [this.registry],
  });
  private readonly inFlight = new Gauge({ name: 'gpulab_rpc_in_flight', help: 'RPCs being handled now (open streams included).', labelNames: ['method'], registers: [this.registry] });
  private readonly rateLimitedCalls = new Counter({
    name: 'gpulab_rate_limited_total',
    help: 'Calls refused with RESOURCE_EXHAUSTED because their token’s rate limit for the group was used up.',
    labelNames: ['group'],
    registers: [this.registry],
  });

  constructor(
    @InjectPinoLogger(GatewayMetrics.name) private readonly log: PinoLogger,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'metrics'>,
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

  /** A call arrived; the function returned records its end, once (a second call is ignored). */
  started(method: string): RpcDone {
    const began = performance.now();
    this.inFlight.inc({ method });
    let ended = false;
    return (code) => {
      if (ended) return;
      ended = true;
      this.inFlight.dec({ method });
      this.requests.inc({ method, code: status[code] ?? 'UNKNOWN' });
      this.duration.observe({ method }, (performance.now() - began) / 1000);
    };
  }

  rateLimited(group: RateLimitGroup): void {
    this.rateLimitedCalls.inc({ group });
  }
}

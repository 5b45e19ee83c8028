import { join, resolve } from 'node:path';
import { compileJetStreamReplicas, compileMetricsEndpoint, type MetricsEndpoint, parseDurationMs, tokensFilePath } from '@gpulab/platform';
import { DEFAULT_TEAM_STORAGE_MB } from '@gpulab/contracts';
import { DEFAULT_RATE_LIMITS, RATE_LIMIT_GROUPS, type RateLimitGroup, type RateLimits } from './rate-limiter';
import { TLS_VARIABLES, type TlsFiles } from './server-tls';

/** Gateway settings in friendly units; `compileGatewayConfig` checks them and names bad fields. */
export interface GatewayOptions {
  /** @default 50051 */
  port?: number;
  /** Loopback unless asked otherwise: plaintext gRPC must not reach the network by accident. @default '127.0.0.1' */
  host?: string;
  /** @default 'nats://127.0.0.1:4222' */
  natsUrl?: string;
  /**
   * Copies JetStream keeps of each stream, bucket and the object store when this service creates
   * them: 1 on a lone nats-server, 3 on a NATS cluster of three. @default 1
   */
  natsReplicas?: string | number;
  /** The gateway's NATS `.creds` file; without it the connection is anonymous (tests of one part). */
  natsCredsFile?: string;
  /** The tokens file (`{"tutor": "…", "teams": {…}}`). @default `$GPULAB_DATA_DIR/tokens.json` */
  tokensFile?: string;
  /** @default './.gpulab' */
  dataDir?: string;
  /** Largest request accepted, in MiB: inline CSV files ride in the request. @default 64 */
  maxMessageMiB?: number;
  /** How long to wait for the scheduler's answer. @default '10s' */
  schedulerTimeout?: string;
  /** @default 'info' */
  logLevel?: string;
  /**
   * Storage per team, in MB of 1,048,576 bytes: its artifacts (as stored), the declared sizes of
   * its uploads in progress, its jobs' inline inputs (until the job ends) and what its jobs wrote
   * (results, files, checkpoints). @default 1024
   */
  teamStorageMB?: number;
  /** Heavy requests (an inline CSV, finishing an upload) read at once; others wait. @default 2 */
  heavyConcurrency?: number;
  /** Heavy requests that may wait for a turn; beyond that RESOURCE_EXHAUSTED. @default 16 */
  heavyQueue?: number;
  /** How often inline inputs and checkpoints of ended jobs are looked for and deleted. @default '15s' */
  inputSweepInterval?: string;
  /** Bytes per upload chunk, in KiB; each chunk is one object, kept even if the stream breaks. @default 1024 */
  uploadChunkKiB?: number;
  /** An upload that receives nothing for this long is deleted with its chunks. @default '24h' */
  uploadExpiry?: string;
  /** PEM certificate (chain) of the gateway; with `tlsKey`, the gateway serves TLS. @default plaintext */
  tlsCert?: string;
  /** PEM private key of `tlsCert`. */
  tlsKey?: string;
  /** PEM CA certificate(s): when set, clients must present a certificate signed by it (mTLS), on top of their token. */
  tlsClientCa?: string;
  /** Per token and group of RPCs: calls per second and burst; a group left out keeps its default. @default DEFAULT_RATE_LIMITS */
  rateLimits?: Partial<Record<RateLimitGroup, { perSecond?: number; burst?: number }>>;
  /** WatchJob streams one token may have open at once. @default 50 */
  maxOpenStreamsPerToken?: number;
  /**
   * Days after which an ended job's result, files and checkpoint are deleted (fractions allowed);
   * 0 keeps them until a member deletes them. @default 30
   */
  outputRetentionDays?: number;
  /** How often outputs past the retention are looked for, besides at start. @default '1h' */
  outputSweepInterval?: string;
  /** Serve Prometheus metrics at `/metrics` on this port; 0 picks a free one. @default off */
  metricsPort?: string | number;
  /** Where the metrics port listens. @default '127.0.0.1' */
  metricsHost?: string;
}

export interface GatewayConfig {
  port: number;
  host: string;
  natsUrl: string;
  natsReplicas: number;
  natsCredsFile?: string;
  tokensFile: string;
  maxMessageBytes: number;
  schedulerTimeoutMs: number;
  logLevel: string;
  teamStorageBytes: number;
  heavyConcurrency: number;
  heavyQueue: number;
  inputSweepMs: number;
  uploadChunkBytes: number;
  uploadExpiryMs: number;
  /** Absent: plaintext (the local stack on loopback). */
  tls?: TlsFiles;
  /** Where the .proto files are, for server reflection. */
  protoDir: string;
  rateLimits: RateLimits;
  maxOpenStreamsPerToken: number;
  /** 0: kept until deleted. */
  outputRetentionMs: number;
  outputSweepMs: number;
  /** Absent: no metrics port. */
  metrics?: MetricsEndpoint;
}

const DEFAULTS = {
  port: 50051,
  host: '127.0.0.1',
  natsUrl: 'nats://127.0.0.1:4222',
  dataDir: './.gpulab',
  maxMessageMiB: 64,
  schedulerTimeout: '10s',
  logLevel: 'info',
  teamStorageMB: DEFAULT_TEAM_STORAGE_MB,
  heavyConcurrency: 2,
  heavyQueue: 16,
  inputSweepInterval: '15s',
  uploadChunkKiB: 1024,
  uploadExpiry: '24h',
  maxOpenStreamsPerToken: 50,
  outputRetentionDays: 30,
  outputSweepInterval: '1h',
} as const;

export function compileGatewayConfig(options: GatewayOptions): GatewayConfig {
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof DEFAULTS &
    GatewayOptions;
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new Error(`port: "${o.port}" is not a TCP port`);
  if (!(o.maxMessageMiB > 0)) throw new Error(`maxMessageMiB: "${o.maxMessageMiB}" must be a positive number`);
  if (!(o.teamStorageMB >= 0)) throw new Error(`teamStorageMB: "${o.teamStorageMB}" must be a number of 0 or more`);
  if (!Number.isInteger(o.heavyConcurrency) || o.heavyConcurrency < 1) throw new Error(`heavyConcurrency: "${o.heavyConcurrency}" must be a whole number of 1 or more`);
  if (!Number.isInteger(o.heavyQueue) || o.heavyQueue < 0) throw new Error(`heavyQueue: "${o.heavyQueue}" must be a whole number of 0 or more`);
  if (!Number.isInteger(o.uploadChunkKiB) || o.uploadChunkKiB < 1 || o.uploadChunkKiB * 1024 > o.maxMessageMiB * 1024 * 1024 - 4096) {
    throw new Error(`uploadChunkKiB: "${o.uploadChunkKiB}" must be a whole number from 1 to a little below maxMessageMiB`);
  }
  if (!Number.isInteger(o.maxOpenStreamsPerToken) || o.maxOpenStreamsPerToken < 1) {
    throw new Error(`maxOpenStreamsPerToken (GPULAB_MAX_WATCHES_PER_TOKEN): "${o.maxOpenStreamsPerToken}" must be a whole number of 1 or more`);
  }
  if (!(o.outputRetentionDays >= 0) || !Number.isFinite(o.outputRetentionDays)) {
    throw new Error(`outputRetentionDays (GPULAB_OUTPUT_RETENTION_DAYS): "${o.outputRetentionDays}" must be a number of days, 0 or more (0: keep outputs until deleted)`);
  }
  return {
    port: o.port,
    host: o.host,
    natsUrl: o.natsUrl,
    natsReplicas: compileJetStreamReplicas(o.natsReplicas, 'natsReplicas (GPULAB_NATS_REPLICAS)'),
    natsCredsFile: o.natsCredsFile || undefined,
    tokensFile: resolve(o.tokensFile ?? tokensFilePath(o.dataDir)),
    maxMessageBytes: Math.round(o.maxMessageMiB * 1024 * 1024),
    schedulerTimeoutMs: parseDurationMs(o.schedulerTimeout, 'schedulerTimeout'),
    logLevel: o.logLevel,
    teamStorageBytes: Math.round(o.teamStorageMB * 1024 * 1024),
    heavyConcurrency: o.heavyConcurrency,
    heavyQueue: o.heavyQueue,
    inputSweepMs: parseDurationMs(o.inputSweepInterval, 'inputSweepInterval'),
    uploadChunkBytes: o.uploadChunkKiB * 1024,
    uploadExpiryMs: parseDurationMs(o.uploadExpiry, 'uploadExpiry'),
    tls: tlsFiles(o),
    protoDir: join(__dirname, '..', '..', '..', 'proto'),
    rateLimits: rateLimits(o.rateLimits ?? {}),
    maxOpenStreamsPerToken: o.maxOpenStreamsPerToken,
    outputRetentionMs: Math.round(o.outputRetentionDays * 86_400_000),
    outputSweepMs: parseDurationMs(o.outputSweepInterval, 'outputSweepInterval'),
    metrics: compileMetricsEndpoint(o.metricsPort, o.metricsHost, 'metricsPort (GPULAB_GATEWAY_METRICS_PORT)'),
  };
}

/** Each group's limit, defaults filled in; a rate of 0 turns that group's limit off. */
function rateLimits(given: NonNullable<GatewayOptions['rateLimits']>): RateLimits {
  const out = { ...DEFAULT_RATE_LIMITS };
  for (const group of RATE_LIMIT_GROUPS) {
    const perSecond = given[group]?.perSecond ?? DEFAULT_RATE_LIMITS[group].perSecond;
    const burst = given[group]?.burst ?? DEFAULT_RATE_LIMITS[group].burst;
    const variable = `GPULAB_RL_${group.toUpperCase()}`;
    if (!(perSecond >= 0)) throw new Error(`${variable}_RATE: "${perSecond}" must be calls per second, 0 or more (0: no limit)`);
    if (!Number.isInteger(burst) || burst < 1) throw new Error(`${variable}_BURST: "${burst}" must be a whole number of 1 or more`);
    out[group] = { perSecond, burst };
  }
  return out;
}

/** Certificate and key go together; a client CA alone would be a silent no-op, so it is refused too. */
function tlsFiles(o: GatewayOptions): TlsFiles | undefined {
  const given = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : resolve(v));
  const certFile = given(o.tlsCert);
  const keyFile = given(o.tlsKey);
  const clientCaFile = given(o.tlsClientCa);
  if (certFile === undefined && keyFile === undefined) {
    if (clientCaFile !== undefined) throw new Error(`${TLS_VARIABLES.clientCaFile} is set, but client certificates need TLS: set ${TLS_VARIABLES.certFile} and ${TLS_VARIABLES.keyFile} too`);
    return undefined;
  }
  if (certFile === undefined) throw new Error(`${TLS_VARIABLES.keyFile} is set (${keyFile}) but ${TLS_VARIABLES.certFile} is not: TLS needs both, as PEM files`);
  if (keyFile === undefined) throw new Error(`${TLS_VARIABLES.certFile} is set (${certFile}) but ${TLS_VARIABLES.keyFile} is not: TLS needs both, as PEM files`);
  return { certFile, keyFile, ...(clientCaFile !== undefined ? { clientCaFile } : {}) };
}

export function gatewayOptionsFromEnv(env: NodeJS.ProcessEnv): GatewayOptions {
  const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
  return {
    port: num(env.GPULAB_PORT),
    host: env.GPULAB_HOST,
    natsUrl: env.GPULAB_NATS_URL,
    natsReplicas: env.GPULAB_NATS_REPLICAS,
    natsCredsFile: env.GPULAB_NATS_CREDS,
    tokensFile: env.GPULAB_TOKENS_FILE,
    dataDir: env.GPULAB_DATA_DIR,
    maxMessageMiB: num(env.GPULAB_MAX_MESSAGE_MIB),
    schedulerTimeout: env.GPULAB_SCHEDULER_TIMEOUT,
    logLevel: env.GPULAB_LOG_LEVEL,
    teamStorageMB: num(env.GPULAB_TEAM_STORAGE_MB),
    heavyConcurrency: num(env.GPULAB_HEAVY_CONCURRENCY),
    heavyQueue: num(env.GPULAB_HEAVY_QUEUE),
    inputSweepInterval: env.GPULAB_INPUT_SWEEP_INTERVAL,
    uploadChunkKiB: num(env.GPULAB_UPLOAD_CHUNK_KIB),
    uploadExpiry: env.GPULAB_UPLOAD_EXPIRY,
    tlsCert: env[TLS_VARIABLES.certFile],
    tlsKey: env[TLS_VARIABLES.keyFile],
    tlsClientCa: env[TLS_VARIABLES.clientCaFile],
    rateLimits: Object.fromEntries(
      RATE_LIMIT_GROUPS.map((g) => [g, { perSecond: num(env[`GPULAB_RL_${g.toUpperCase()}_RATE`]), burst: num(env[`GPULAB_RL_${g.toUpperCase()}_BURST`]) }]),
    ),
    maxOpenStreamsPerToken: num(env.GPULAB_MAX_WATCHES_PER_TOKEN),
    outputRetentionDays: num(env.GPULAB_OUTPUT_RETENTION_DAYS),
    outputSweepInterval: env.GPULAB_OUTPUT_SWEEP_INTERVAL,
    metricsPort: env.GPULAB_GATEWAY_METRICS_PORT,
    metricsHost: env.GPULAB_METRICS_HOST,
  };
}

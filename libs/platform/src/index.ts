// The package's surface: what other packages use. A module's other exports are its own.
export { createLogger, type Logger } from './logger';
export { parseDurationMs } from './duration';
export { connectNats, logNatsRefusals, type NatsConnection, natsTlsFromEnv } from './nats-connection';
export { tolerateStrayNatsDialErrors } from './nats-stray-errors';
export { type JetStreamResourceOptions, type JetStreamResources, openJetStreamResources, readObject } from './jetstream-resources';
export { type ConsumerGetting, resilientJetStream, resilientKv, resilientObjectStore } from './resilient-stores';
export { PULL_EXPIRES_MS } from './pull-liveness';
export { isTransientNatsError, logRetries, type RetryLog, retryTransient, TRANSIENT_RETRY_DEFAULTS, type TransientRetryNotice, type TransientRetryPolicy } from './transient-retry';
export { compileJetStreamReplicas } from './jetstream-replicas';
export { ensureNatsServer, findNatsServer, NATS_INSTALL_HINT, NatsServerProcess, type NatsServerOptions } from './nats-server-process';
export { freePort } from './free-port';
export { ensureTokensFile, readTokensFile, tokensFilePath } from './tokens-file';
export { startHeartbeat } from './heartbeat';
export { readNotices } from './notices';
export { readBenchmarkRows } from './benchmark-rows';
export { listKvKeys } from './kv-keys';
export { putArtifact, streamOfParts } from './artifact-objects';
export {
  createNatsIdentities,
  ensureNatsIdentities,
  mintUserCreds,
  type NatsAuthFiles,
  type NatsIdentities,
  readWorkerSigner,
  serverAuthConfig,
  type WorkerSigner,
} from './nats-identities';
export { WorkerDataClient, WorkerDataError } from './worker-data-client';
export { compileMetricsEndpoint, createMetricsRegistry, type MetricsEndpoint, MetricsServer } from './metrics-server';
export {
  objectItem,
  objectKey,
  recordItem,
  recordKey,
  StorageIndex,
  type StorageItem,
  StorageLedger,
  type StoragePart,
  type StoredInput,
  type StoredJobObject,
} from './storage-ledger';

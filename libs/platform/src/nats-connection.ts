import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { tolerateStrayNatsDialErrors } from './nats-stray-errors';

export type { NatsConnection } from '@nats-io/transport-node';

export interface NatsConnectOptions {
  /**
   * e.g. `nats://127.0.0.1:4222`; a cluster's servers separated by commas
   * (`nats://a:4222,nats://b:4222`), so one variable (GPULAB_NATS_URL) carries the whole list to
   * every process and the client fails over to another server on its own.
   */
  url: string;
  /** Shown by the server in its connection list. */
  name: string;
  /** A `.creds` text (user JWT and seed); without it the connection is anonymous. */
  creds?: string;
  /** Where replies come back; an identity may be allowed only its own prefix. */
  inboxPrefix?: string;
  /** @default forever: a service outlives a restart of nats-server */
  maxReconnectAttempts?: number;
  /** TLS to nats-server (cluster mode), from `natsTlsFromEnv`. */
  tls?: NatsTls;
}

/** PEM files for TLS to nats-server; the certificate and key only where the server asks for client certificates. */
export interface NatsTls {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/**
 * TLS to nats-server from GPULAB_NATS_TLS_CA (the CA that signed the server's certificate) and,
 * for mutual TLS, GPULAB_NATS_TLS_CERT and GPULAB_NATS_TLS_KEY; undefined when none is set.
 */
export function natsTlsFromEnv(env: NodeJS.ProcessEnv): NatsTls | undefined {
  const tls: NatsTls = {
    ...(env.GPULAB_NATS_TLS_CA ? { caFile: env.GPULAB_NATS_TLS_CA } : {}),
    ...(env.GPULAB_NATS_TLS_CERT ? { certFile: env.GPULAB_NATS_TLS_CERT } : {}),
    ...(env.GPULAB_NATS_TLS_KEY ? { keyFile: env.GPULAB_NATS_TLS_KEY } : {}),
  };
  if (Boolean(tls.certFile) !== Boolean(tls.keyFile)) throw new Error('GPULAB_NATS_TLS_CERT and GPULAB_NATS_TLS_KEY go together: set both or neither');
  return Object.keys(tls).length > 0 ? tls : undefined;
}

export function connectNats(options: NatsConnectOptions): Promise<NatsConnection> {
  // Every process or thread with a connection: a restart of nats-server must not end it.
  tolerateStrayNatsDialErrors();
  return connect({
    servers: natsServerUrls(options.url),
    name: options.name,
    maxReconnectAttempts: options.maxReconnectAttempts ?? -1,
    reconnectTimeWait: 500,
    ...(options.creds ? { authenticator: credsAuthenticator(new TextEncoder().encode(options.creds)) } : {}),
    ...(options.inboxPrefix ? { inboxPrefix: options.inboxPrefix } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
  });
}

/** The server URLs of a comma-separated list (one URL is a list of one). */
export function natsServerUrls(url: string): string[] {
  return url
    .split(',')
    .map((server) => server.trim())
    .filter((server) => server !== '');
}

/** Where a connection's refusals are told: a pino logger, or anything with `warn`. */
export interface NatsStatusLog {
  warn(fields: object, message: string): void;
}

/**
 * Logs the connection's losses and returns, and what nats-server refused this connection (a publish or subscription its identity may
 * not make), with the identity and the subject: a refusal is either a bug or an attack, and
 * never crashes the service.
 */
export function logNatsRefusals(nc: NatsConnection, identity: string, log: NatsStatusLog): void {
  void (async () => {
    for await (const status of nc.status()) {
      // A lost server of a cluster shows here first: which one went and which one took over.
      if (status.type === 'disconnect' || status.type === 'reconnect') {
        log.warn({ identity, server: status.server }, status.type === 'disconnect' ? 'NATS connection lost; reconnecting' : 'NATS connection back');
        continue;
      }
      if (status.type !== 'error') continue;
      const error = status.error as Error & { operation?: string; subject?: string };
      log.warn({ identity, operation: error.operation, subject: error.subject, reason: error.message }, 'NATS refused an operation of this service');
    }
  })().catch(() => undefined);
}

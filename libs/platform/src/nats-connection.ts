import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';

export type { NatsConnection } from '@nats-io/transport-node';

export interface NatsConnectOptions {
  /** e.g. `nats://127.0.0.1:4222`. */
  url: string;
  /** Shown by the server in its connection list. */
  name: string;
  /** A `.creds` text (user JWT and seed); without it the connection is anonymous. */
  creds?: string;
  /** Where replies come back; an identity may be allowed only its own prefix. */
  inboxPrefix?: string;
  /** @default forever: a service outlives a restart of nats-server */
  maxReconnectAttempts?: number;
}

export function connectNats(options: NatsConnectOptions): Promise<NatsConnection> {
  return connect({
    servers: options.url,
    name: options.name,
    maxReconnectAttempts: options.maxReconnectAttempts ?? -1,
    reconnectTimeWait: 500,
    ...(options.creds ? { authenticator: credsAuthenticator(new TextEncoder().encode(options.creds)) } : {}),
    ...(options.inboxPrefix ? { inboxPrefix: options.inboxPrefix } : {}),
  });
}

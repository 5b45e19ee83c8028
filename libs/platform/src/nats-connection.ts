import { connect, type NatsConnection } from '@nats-io/transport-node';

export type { NatsConnection } from '@nats-io/transport-node';

export interface NatsConnectOptions {
  /** e.g. `nats://127.0.0.1:4222`. */
  url: string;
  /** Shown by the server in its connection list. */
  name: string;
}

/** Reconnects forever: a service outlives a restart of nats-server. */
export function connectNats(options: NatsConnectOptions): Promise<NatsConnection> {
  return connect({ servers: options.url, name: options.name, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
}

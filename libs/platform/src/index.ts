export * from './logger';
export * from './duration';
export * from './nats-connection';
export * from './jetstream-resources';
export * from './nats-server-process';
export * from './free-port';
export * from './tokens-file';
export * from './heartbeat';

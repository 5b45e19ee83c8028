/** Injection tokens of the gateway's providers that are not classes. */
export const GATEWAY_CONFIG = Symbol('GatewayConfig');
export const NATS = Symbol('NatsConnection');
export const JETSTREAM = Symbol('JetStreamResources');
export const SERVER_TLS = Symbol('ServerTls');

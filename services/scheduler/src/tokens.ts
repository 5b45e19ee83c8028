/** Injection tokens of the scheduler's providers that are not classes. */
export const SCHEDULER_CONFIG = Symbol('SchedulerConfig');
export const CLOCK = Symbol('Clock');
export const NATS = Symbol('NatsConnection');
export const JETSTREAM = Symbol('JetStreamResources');
/** The leader lease's own connection to nats-server. */
export const LEASE_NATS = Symbol('LeaseNatsConnection');
/** The scheduler's handler of each command (`schedulerCommandHandlers`). */
export const COMMAND_HANDLERS = Symbol('SchedulerCommandHandlers');

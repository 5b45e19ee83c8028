import { jobLogSubject } from './job-logs';
import { heartbeatSubject, Nats, SCHEDULER_COMMANDS_WILDCARD, workerDataSubject, workerInboxPrefix } from './subjects';

/**
 * Who may do what on NATS: the one table nats-server enforces (through the user credentials
 * the local stack and the scheduler mint) and `docs/architecture.md` describes. Without
 * credentials nothing connects.
 *
 * - The gateway publishes the scheduler's commands and reads everything, but never writes the
 *   job or calendar buckets, never publishes job events and never touches the streams'
 *   configuration or the scheduler's durable consumer.
 * - The scheduler owns the state: it may do anything except publish commands (only the
 *   gateway, which authenticated the caller, may say who a command comes from).
 * - A worker may publish only its own attempt's events, log lines, heartbeats and data requests, and
 *   receive only replies to its own inbox: no KV, no Object Store, no JetStream API.
 */
export interface NatsPermission {
  allow?: string[];
  deny?: string[];
}

export interface NatsPermissions {
  pub: NatsPermission;
  sub: NatsPermission;
}

/** The identities that connect to NATS. */
export type NatsIdentityName = 'gateway' | 'scheduler' | 'worker';

// Creating a missing stream with its configuration is harmless (any service may start first);
// changing, emptying or removing one is not.
const stream = (name: string) => [
  `$JS.API.STREAM.UPDATE.${name}`,
  `$JS.API.STREAM.DELETE.${name}`,
  `$JS.API.STREAM.PURGE.${name}`,
  `$JS.API.STREAM.MSG.DELETE.${name}`,
  `$JS.API.STREAM.RESTORE.${name}`,
  `$JS.API.STREAM.SNAPSHOT.${name}`,
];

/** JetStream names of the buckets only the scheduler writes. */
const schedulerBuckets = [Nats.jobsBucket, Nats.calendarBucket];

const reportsConsumer = (verb: string) => `$JS.API.CONSUMER.${verb}.${Nats.eventsStream}.${Nats.schedulerReportsConsumer}`;

export const GATEWAY_PERMISSIONS: NatsPermissions = {
  pub: {
    allow: ['>'],
    deny: [
      'gpulab.events.>',
      Nats.logsWildcard,
      'gpulab.notices.>',
      'gpulab.heartbeats.>',
      'gpulab.workers.>',
      ...schedulerBuckets.flatMap((b) => [`$KV.${b}.>`, ...stream(`KV_${b}`)]),
      ...stream(Nats.eventsStream),
      ...stream(Nats.logsStream),
      ...stream(Nats.noticesStream),
      reportsConsumer('DELETE'),
      reportsConsumer('DURABLE.CREATE'),
      reportsConsumer('CREATE'),
      `${reportsConsumer('CREATE')}.>`,
      reportsConsumer('MSG.NEXT'),
      '$JS.ACK.>',
    ],
  },
  sub: { allow: ['>'], deny: [SCHEDULER_COMMANDS_WILDCARD, 'gpulab.heartbeats.>', 'gpulab.workers.>'] },
};

export const SCHEDULER_PERMISSIONS: NatsPermissions = {
  pub: { allow: ['>'], deny: [SCHEDULER_COMMANDS_WILDCARD] },
  sub: { allow: ['>'] },
};

/** One attempt's worker: its own subjects and inbox, nothing else. */
export function workerPermissions(jobId: string, attempt: number): NatsPermissions {
  return {
    pub: {
      allow: [`gpulab.events.${jobId}.${attempt}.>`, jobLogSubject(jobId, attempt), heartbeatSubject(jobId, attempt), workerDataSubject(jobId, attempt, '*' as never)],
    },
    sub: { allow: [`${workerInboxPrefix(jobId, attempt)}.>`] },
  };
}

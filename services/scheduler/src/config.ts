import { join } from 'node:path';
import { DEFAULT_TEAM_STORAGE_MB } from '@gpulab/contracts';
import { compileJetStreamReplicas, compileMetricsEndpoint, type MetricsEndpoint, parseDurationMs } from '@gpulab/platform';
import { DEFAULT_GPU_LAYOUT, type Inventory, inventoryFromLayout, type Term, validateTerm } from '@gpulab/scheduling';
import { compileKubernetesConfig, type KubernetesConfig, type KubernetesOptions, kubernetesOptionsFromEnv } from './kubernetes/kubernetes-config';

/** Scheduler settings in friendly units; `compileSchedulerConfig` checks them and names bad fields. */
export interface SchedulerOptions {
  /** @default 'nats://127.0.0.1:4222' */
  natsUrl?: string;
  /** GPUs per server, comma separated. @default '4,2,2' */
  gpuLayout?: string;
  /** The worker's entry point, started once per job. @default the worker package's dist/main.js */
  workerEntry?: string;
  /** How long a cancelled or stopped worker may take before it is killed. @default '10s' */
  stopGrace?: string;
  /** How long to wait for a worker's last reports after its process ended. @default '2s' */
  exitSettle?: string;
  /** First day of the term, YYYY-MM-DD; used on the first start only (then it is kept in KV). @default today in `timeZone` */
  termStart?: string;
  /** @default 28 */
  termDays?: number;
  /** Slots start at midnight of this IANA zone. @default 'UTC' */
  timeZone?: string;
  /** From a stop notice (slot end, a booking needs the GPU) to the kill. @default '120s' */
  preemptGrace?: string;
  /**
   * A leader's lease in KV; a standby takes over this long after the leader died.
   * @default '3s' on one nats-server; '15s' with `natsReplicas` above 1, where the lease must
   * outlast a JetStream leader election (up to about 7 s after a server is lost), or a leader
   * steps down each time a NATS server goes and no scheduler acts until the store answers again.
   * A leader renews every third of the lease and stops a tenth before its end, so a failure
   * that begins just before a renewal has a little over half the lease to pass.
   */
  leaderLease?: string;
  /** A running job whose worker is silent this long is requeued. @default '20s' */
  heartbeatTimeout?: string;
  /** How often workers beat. @default '2s' */
  heartbeatInterval?: string;
  /** Teams tutors may create. @default 8 */
  maxTeams?: number;
  /** Members per team. @default 6 */
  maxMembers?: number;
  /** Teams of this tokens file exist besides those tutors create. */
  tokensFile?: string;
  /** Starts of one job before it is failed for good. @default 3 */
  maxAttempts?: number;
  /** Wait before a job is tried again after a failure that may pass; doubled per attempt, at most 60 s. @default '1s' */
  retryBackoff?: string;
  /**
   * Jobs of one team that have not ended (queued, scheduled, running); a submission beyond is
   * refused with RESOURCE_EXHAUSTED. Far above a course's needs: it stops a runaway loop only.
   * @default 5000
   */
  maxQueuedPerTeam?: number;
  /** @default 'info' */
  logLevel?: string;
  /** Where workers run: `local` (a process here per job) or `kubernetes` (a Job per attempt). @default 'local' */
  launcher?: string;
  /** The `kubernetes` launcher's settings; read only when it is chosen. */
  kubernetes?: KubernetesOptions;
  /** The scheduler's NATS `.creds` file; without it the connection is anonymous (tests of one part). */
  /**
   * Copies JetStream keeps of each stream, bucket and the object store when this service creates
   * them: 1 on a lone nats-server, 3 on a NATS cluster of three. @default 1
   */
  natsReplicas?: string | number;
  natsCredsFile?: string;
  /** The account key that signs each worker attempt's NATS user (`worker-signer.json`). */
  workerSignerFile?: string;
  /**
   * MB (of 1,048,576 bytes) each team may store, the same setting the gateway checks uploads
   * against (`GPULAB_TEAM_STORAGE_MB`): here it bounds what the team's jobs write. @default 1024
   */
  teamStorageMB?: number;
  /** Serve Prometheus metrics at `/metrics` on this port; 0 picks a free one. @default off */
  metricsPort?: string | number;
  /** Where the metrics port listens. @default '127.0.0.1' */
  metricsHost?: string;
}

export interface SchedulerConfig {
  natsUrl: string;
  natsReplicas: number;
  natsCredsFile?: string;
  workerSignerFile?: string;
  term: Term;
  preemptGraceMs: number;
  leaderLeaseMs: number;
  heartbeatTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxTeams: number;
  maxMembers: number;
  tokensFile?: string;
  inventory: Inventory;
  workerEntry: string;
  stopGraceMs: number;
  exitSettleMs: number;
  maxAttempts: number;
  retryBackoffMs: number;
  maxQueuedPerTeam: number;
  logLevel: string;
  /** What a team's jobs may write, with what the team already stores. */
  teamStorageBytes: number;
  /** Present when workers run as Kubernetes Jobs; absent: the local launcher. */
  kubernetes?: KubernetesConfig;
  /** Absent: no metrics port. */
  metrics?: MetricsEndpoint;
}

const DEFAULTS = {
  natsUrl: 'nats://127.0.0.1:4222',
  gpuLayout: DEFAULT_GPU_LAYOUT,
  workerEntry: join(__dirname, '..', '..', 'worker', 'dist', 'main.js'),
  stopGrace: '10s',
  exitSettle: '2s',
  maxAttempts: 3,
  retryBackoff: '1s',
  logLevel: 'info',
  termDays: 28,
  timeZone: 'UTC',
  preemptGrace: '120s',
  leaderLease: '3s',
  clusterLeaderLease: '15s',
  heartbeatTimeout: '20s',
  heartbeatInterval: '2s',
  maxTeams: 8,
  maxMembers: 6,
  maxQueuedPerTeam: 5000,
  launcher: 'local',
  teamStorageMB: DEFAULT_TEAM_STORAGE_MB,
} as const;

/** The launchers a scheduler can run workers with (`GPULAB_LAUNCHER`). */
export const LauncherKinds = { local: 'local', kubernetes: 'kubernetes' } as const;

export function compileSchedulerConfig(options: SchedulerOptions): SchedulerConfig {
  const o = { ...DEFAULTS, ...stripUndefined(options) };
  positiveInteger(o.maxAttempts, 'maxAttempts');
  const term: Term = { start: o.termStart ?? todayIn(o.timeZone), days: o.termDays, timeZone: o.timeZone };
  validateTerm(term);
  if (!(o.teamStorageMB >= 0)) throw new Error(`teamStorageMB (GPULAB_TEAM_STORAGE_MB): "${o.teamStorageMB}" must be a number of 0 or more`);
  if (o.launcher !== LauncherKinds.local && o.launcher !== LauncherKinds.kubernetes) throw new Error(`launcher (GPULAB_LAUNCHER): "${o.launcher}" is neither local nor kubernetes`);
  const natsReplicas = compileJetStreamReplicas(o.natsReplicas, 'natsReplicas (GPULAB_NATS_REPLICAS)');
  return {
    natsUrl: o.natsUrl,
    natsReplicas,
    term,
    preemptGraceMs: parseDurationMs(o.preemptGrace, 'preemptGrace'),
    leaderLeaseMs: parseDurationMs(options.leaderLease ?? (natsReplicas > 1 ? DEFAULTS.clusterLeaderLease : DEFAULTS.leaderLease), 'leaderLease (GPULAB_LEADER_LEASE)'),
    heartbeatTimeoutMs: parseDurationMs(o.heartbeatTimeout, 'heartbeatTimeout'),
    heartbeatIntervalMs: parseDurationMs(o.heartbeatInterval, 'heartbeatInterval'),
    maxTeams: positiveInteger(o.maxTeams, 'maxTeams'),
    maxMembers: positiveInteger(o.maxMembers, 'maxMembers'),
    tokensFile: o.tokensFile,
    natsCredsFile: o.natsCredsFile || undefined,
    workerSignerFile: o.workerSignerFile || undefined,
    inventory: inventoryFromLayout(o.gpuLayout),
    workerEntry: o.workerEntry,
    stopGraceMs: parseDurationMs(o.stopGrace, 'stopGrace'),
    exitSettleMs: parseDurationMs(o.exitSettle, 'exitSettle'),
    maxAttempts: o.maxAttempts,
    retryBackoffMs: parseDurationMs(o.retryBackoff, 'retryBackoff (GPULAB_RETRY_BACKOFF)'),
    maxQueuedPerTeam: positiveInteger(o.maxQueuedPerTeam, 'maxQueuedPerTeam (GPULAB_MAX_QUEUED_PER_TEAM)'),
    logLevel: o.logLevel,
    teamStorageBytes: Math.round(o.teamStorageMB * 1024 * 1024),
    kubernetes: o.launcher === LauncherKinds.kubernetes ? compileKubernetesConfig(o.kubernetes ?? {}) : undefined,
    metrics: compileMetricsEndpoint(o.metricsPort, o.metricsHost, 'metricsPort (GPULAB_SCHEDULER_METRICS_PORT)'),
  };
}

export function schedulerOptionsFromEnv(env: NodeJS.ProcessEnv): SchedulerOptions {
  return {
    natsUrl: env.GPULAB_NATS_URL,
    gpuLayout: env.GPULAB_GPU_LAYOUT,
    workerEntry: env.GPULAB_WORKER_ENTRY,
    stopGrace: env.GPULAB_STOP_GRACE,
    exitSettle: env.GPULAB_EXIT_SETTLE,
    maxAttempts: env.GPULAB_MAX_ATTEMPTS === undefined ? undefined : Number(env.GPULAB_MAX_ATTEMPTS),
    retryBackoff: env.GPULAB_RETRY_BACKOFF,
    termStart: env.GPULAB_TERM_START,
    termDays: env.GPULAB_TERM_DAYS === undefined ? undefined : Number(env.GPULAB_TERM_DAYS),
    timeZone: env.GPULAB_TIME_ZONE,
    preemptGrace: env.GPULAB_PREEMPT_GRACE,
    leaderLease: env.GPULAB_LEADER_LEASE,
    heartbeatTimeout: env.GPULAB_HEARTBEAT_TIMEOUT,
    heartbeatInterval: env.GPULAB_HEARTBEAT_INTERVAL,
    maxTeams: env.GPULAB_MAX_TEAMS === undefined ? undefined : Number(env.GPULAB_MAX_TEAMS),
    maxMembers: env.GPULAB_MAX_MEMBERS === undefined ? undefined : Number(env.GPULAB_MAX_MEMBERS),
    maxQueuedPerTeam: env.GPULAB_MAX_QUEUED_PER_TEAM === undefined || env.GPULAB_MAX_QUEUED_PER_TEAM === '' ? undefined : Number(env.GPULAB_MAX_QUEUED_PER_TEAM),
    tokensFile: env.GPULAB_TOKENS_FILE,
    natsReplicas: env.GPULAB_NATS_REPLICAS,
    natsCredsFile: env.GPULAB_NATS_CREDS,
    workerSignerFile: env.GPULAB_NATS_WORKER_SIGNER,
    logLevel: env.GPULAB_LOG_LEVEL,
    teamStorageMB: env.GPULAB_TEAM_STORAGE_MB === undefined || env.GPULAB_TEAM_STORAGE_MB === '' ? undefined : Number(env.GPULAB_TEAM_STORAGE_MB),
    launcher: env.GPULAB_LAUNCHER || undefined,
    kubernetes: kubernetesOptionsFromEnv(env),
    metricsPort: env.GPULAB_SCHEDULER_METRICS_PORT,
    metricsHost: env.GPULAB_METRICS_HOST,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Today's date in a time zone, YYYY-MM-DD. */
function todayIn(timeZone: string): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
}

function positiveInteger(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${field}: "${value}" must be a whole number >= 1`);
  return value;
}

import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { type GpuAddress, JOB_ID_PATTERN } from '@gpulab/contracts';

/** What the launcher tells a worker about its job. */
export interface WorkerEnv {
  natsUrl: string;
  /** This attempt's NATS credentials (`.creds` text): GPULAB_NATS_CREDS_TEXT, or the file GPULAB_NATS_CREDS. */
  natsCreds?: string;
  jobId: string;
  attempt: number;
  gpus: GpuAddress[];
  logLevel: string;
  heartbeatIntervalMs: number;
  /**
   * The TensorFlow.js backend neural-network jobs must use (GPULAB_BACKEND: tensorflow-gpu,
   * tensorflow, wasm, cpu); undefined lets the job take the best installed one.
   */
  backend?: string;
  /** Where a `run` job's attempts get their folders (GPULAB_WORK_DIR). */
  workDir: string;
  /** The course's read-only data folders a `run` command sees under GPULAB_DATA (GPULAB_DATA_MOUNTS: `name=path,…`). */
  dataMounts: Record<string, string>;
  /** The scheduler's grace periods after a stop notice (cancel: GPULAB_STOP_GRACE_MS; preemption and timeout: GPULAB_PREEMPT_GRACE_MS). */
  stopGraceMs: number;
  preemptGraceMs: number;
  /** How often a `run` command's processes and GPUs are sampled (GPULAB_RESOURCE_SAMPLE_MS). */
  resourceSampleMs: number;
  /** How often a `run` command's checkpoint folder is stored while it changes (GPULAB_CHECKPOINT_INTERVAL_MS). */
  checkpointIntervalMs: number;
  /** The worker's own environment, which a `run` command inherits without gpulab's variables. */
  baseEnv: NodeJS.ProcessEnv;
  /**
   * Cluster mode: the folder this worker shares with the team's container (GPULAB_SHARED_DIR),
   * where a `run` job's folders are made and its command is followed through the entry's files
   * (`POD_ENTRY_FILES`); absent, the command is a child process of the worker.
   */
  sharedDir?: string;
  /** How long the team's container may take to start the entry, its image pulled (GPULAB_ENTRY_START_TIMEOUT_MS). */
  entryStartTimeoutMs: number;
}

/** What a worker takes when the launcher leaves a setting out (it sets them all). */
export const WORKER_DEFAULTS = {
  natsUrl: 'nats://127.0.0.1:4222',
  logLevel: 'info',
  /** The scheduler's GPULAB_HEARTBEAT_INTERVAL reaches the worker as this, in ms. */
  heartbeatIntervalMs: 2000,
  workDir: join(tmpdir(), 'gpulab-work'),
  /** As the scheduler's GPULAB_STOP_GRACE and GPULAB_PREEMPT_GRACE default. */
  stopGraceMs: 10_000,
  preemptGraceMs: 120_000,
  resourceSampleMs: 5000,
  checkpointIntervalMs: 60_000,
  /** Pulling a team's image of a few GB takes minutes; the maximum a setting may be. */
  entryStartTimeoutMs: 600_000,
} as const;

/** A whole number of milliseconds from 10 ms to 10 minutes; the variable is named when it is not. */
function intervalMs(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const ms = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isInteger(ms) || ms < 10 || ms > 600_000) throw new Error(`${name}: "${raw}" is not a number of milliseconds from 10 to 600000`);
  return ms;
}

export function readWorkerEnv(env: NodeJS.ProcessEnv): WorkerEnv {
  const jobId = env.GPULAB_JOB_ID ?? '';
  if (!JOB_ID_PATTERN.test(jobId)) throw new Error(`GPULAB_JOB_ID: "${jobId}" is not a job id`);
  const attempt = Number(env.GPULAB_ATTEMPT);
  if (!Number.isInteger(attempt) || attempt < 1) throw new Error(`GPULAB_ATTEMPT: "${env.GPULAB_ATTEMPT}" is not an attempt number`);
  const gpus = (env.GPULAB_GPUS ?? '')
    .split(',')
    .filter(Boolean)
    .map((g) => {
      const [server, index] = g.split(':');
      if (!server || !/^\d+$/.test(index ?? '')) throw new Error(`GPULAB_GPUS: "${g}" is not server:index`);
      return { server, index: Number(index) };
    });
  const sharedDir = env.GPULAB_SHARED_DIR?.trim() || undefined;
  if (sharedDir !== undefined && !isAbsolute(sharedDir)) throw new Error(`GPULAB_SHARED_DIR: "${sharedDir}" is not an absolute path`);
  return {
    natsUrl: env.GPULAB_NATS_URL ?? WORKER_DEFAULTS.natsUrl,
    natsCreds: env.GPULAB_NATS_CREDS_TEXT || (env.GPULAB_NATS_CREDS ? readFileSync(env.GPULAB_NATS_CREDS, 'utf8') : undefined),
    jobId,
    attempt,
    gpus,
    logLevel: env.GPULAB_LOG_LEVEL ?? WORKER_DEFAULTS.logLevel,
    heartbeatIntervalMs: intervalMs(env.GPULAB_HEARTBEAT_INTERVAL_MS, 'GPULAB_HEARTBEAT_INTERVAL_MS', WORKER_DEFAULTS.heartbeatIntervalMs),
    backend: env.GPULAB_BACKEND?.trim() || undefined,
    // Beside a team's container the attempt's folders must be where that container sees them.
    workDir: sharedDir ?? (env.GPULAB_WORK_DIR?.trim() || WORKER_DEFAULTS.workDir),
    dataMounts: parseDataMounts(env.GPULAB_DATA_MOUNTS ?? ''),
    stopGraceMs: graceMs(env.GPULAB_STOP_GRACE_MS, 'GPULAB_STOP_GRACE_MS', WORKER_DEFAULTS.stopGraceMs),
    preemptGraceMs: graceMs(env.GPULAB_PREEMPT_GRACE_MS, 'GPULAB_PREEMPT_GRACE_MS', WORKER_DEFAULTS.preemptGraceMs),
    resourceSampleMs: intervalMs(env.GPULAB_RESOURCE_SAMPLE_MS, 'GPULAB_RESOURCE_SAMPLE_MS', WORKER_DEFAULTS.resourceSampleMs),
    checkpointIntervalMs: intervalMs(env.GPULAB_CHECKPOINT_INTERVAL_MS, 'GPULAB_CHECKPOINT_INTERVAL_MS', WORKER_DEFAULTS.checkpointIntervalMs),
    baseEnv: env,
    sharedDir,
    entryStartTimeoutMs: intervalMs(env.GPULAB_ENTRY_START_TIMEOUT_MS, 'GPULAB_ENTRY_START_TIMEOUT_MS', WORKER_DEFAULTS.entryStartTimeoutMs),
  };
}

/** A grace period in ms as the launcher passes it (0 allowed: kill at once). */
function graceMs(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new Error(`${name}: "${raw}" is not a number of milliseconds`);
  return Number(raw.trim());
}

/** `trainval=/data/dl_lecture_data/TrainVal,test=/data/test`: names as plain words, absolute paths. */
export function parseDataMounts(raw: string): Record<string, string> {
  const mounts: Record<string, string> = {};
  for (const entry of raw.split(',').map((e) => e.trim()).filter(Boolean)) {
    const eq = entry.indexOf('=');
    const name = entry.slice(0, eq);
    const path = entry.slice(eq + 1);
    if (eq <= 0 || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || !isAbsolute(path)) {
      throw new Error(`GPULAB_DATA_MOUNTS: "${entry}" is not name=/absolute/path`);
    }
    if (name in mounts) throw new Error(`GPULAB_DATA_MOUNTS: ${name} is named twice`);
    mounts[name] = path;
  }
  return mounts;
}

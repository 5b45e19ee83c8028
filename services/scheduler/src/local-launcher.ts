import { spawn, type ChildProcess } from 'node:child_process';
import { type GpuAddress, type JobRecord } from '@gpulab/contracts';
import { type Launcher, type WorkerExit } from './launcher';

export interface LocalLauncherOptions {
  natsUrl: string;
  workerEntry: string;
  /** Variables every worker gets besides the job's own. */
  env?: NodeJS.ProcessEnv;
  /** How often an adopted worker's pid is checked. @default 1000 */
  adoptPollMs?: number;
  /** The attempt's NATS credentials (`.creds` text); without it workers connect anonymously. */
  credentials?: (job: JobRecord) => Promise<string>;
}

/** What a worker must not inherit from the scheduler's environment: the scheduler's own secrets. */
const SECRET_VARIABLE = /^GPULAB_(NATS_CREDS|NATS_WORKER_SIGNER|NATS_TLS_CERT|NATS_TLS_KEY|TOKENS_FILE|TLS_)/;

function inheritable(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !SECRET_VARIABLE.test(key)));
}

interface Running {
  attempt: number;
  child?: ChildProcess;
  pid: number;
  poll?: NodeJS.Timeout;
  killTimer?: NodeJS.Timeout;
}

/**
 * One worker process per job on this machine. The GPUs are simulated: the worker learns its
 * assignment from GPULAB_GPUS and CUDA_VISIBLE_DEVICES, as a real GPU worker would.
 */
export class LocalLauncher implements Launcher {
  private readonly running = new Map<string, Running>();
  private readonly listeners: ((exit: WorkerExit) => void)[] = [];

  constructor(private readonly options: LocalLauncherOptions) {}

  async launch(job: JobRecord, gpus: readonly GpuAddress[]): Promise<{ handle: string }> {
    const creds = await this.options.credentials?.(job);
    const child = spawn(process.execPath, [this.options.workerEntry], {
      env: {
        ...inheritable({ ...process.env, ...this.options.env }),
        ...(creds ? { GPULAB_NATS_CREDS_TEXT: creds } : {}),
        GPULAB_NATS_URL: this.options.natsUrl,
        GPULAB_JOB_ID: job.id,
        GPULAB_ATTEMPT: String(job.attempt),
        GPULAB_GPUS: gpus.map((g) => `${g.server}:${g.index}`).join(','),
        CUDA_VISIBLE_DEVICES: gpus.map((g) => g.index).join(','),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid ?? -1));
      child.once('error', reject);
    });
    const entry: Running = { attempt: job.attempt, child, pid };
    this.running.set(job.id, entry);
    child.once('exit', (code, signal) => this.exited(job.id, entry, code, signal));
    return { handle: `pid:${pid}` };
  }

  adopt(job: JobRecord, handle: string): boolean {
    const pid = Number(handle.replace(/^pid:/, ''));
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return false;
    const entry: Running = { attempt: job.attempt, pid };
    entry.poll = setInterval(() => {
      if (!isAlive(pid)) this.exited(job.id, entry, null, null);
    }, this.options.adoptPollMs ?? 1000);
    this.running.set(job.id, entry);
    return true;
  }

  stop(jobId: string, graceMs: number): void {
    const entry = this.running.get(jobId);
    if (!entry) return;
    signal(entry.pid, 'SIGTERM');
    entry.killTimer ??= setTimeout(() => signal(entry.pid, 'SIGKILL'), graceMs);
  }

  onExit(listener: (exit: WorkerExit) => void): void {
    this.listeners.push(listener);
  }

  private exited(jobId: string, entry: Running, code: number | null, sig: NodeJS.Signals | null): void {
    clearInterval(entry.poll);
    clearTimeout(entry.killTimer);
    if (this.running.get(jobId) === entry) this.running.delete(jobId);
    for (const listener of this.listeners) listener({ jobId, attempt: entry.attempt, code, signal: sig });
  }

  /**
   * Leaves running workers alone: they finish their job and report over NATS, and the next
   * scheduler process adopts them.
   */
  async close(): Promise<void> {
    for (const entry of this.running.values()) {
      clearInterval(entry.poll);
      clearTimeout(entry.killTimer);
      entry.child?.unref();
    }
    this.running.clear();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone: its exit is reported through the child or the poll.
  }
}

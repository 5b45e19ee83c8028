import { type GpuAddress, type JobEventEnvelope, type JobRecord, ObjectNames, workerEventSubject } from '@gpulab/contracts';
import { type JetStreamClient } from '@nats-io/jetstream';
import { type Launcher, type WorkerExit } from '../launcher';

export interface LaunchRecord {
  jobId: string;
  team: string;
  attempt: number;
  gpus: GpuAddress[];
  atMs: number;
}

/**
 * Stands in for worker processes where a test or a benchmark runs thousands of jobs: it speaks
 * the workers' protocol (started and result reports on the events stream) from this process, so
 * everything else (scheduler, NATS, KV) is real and process start-up is not counted.
 */
export class ReportingLauncher implements Launcher {
  private readonly freedAt = new Map<string, number>();
  /** ms from a GPU's job reporting its result to the next launch on that GPU. */
  readonly freeToStartMs: number[] = [];
  readonly launches: LaunchRecord[] = [];
  private closed = false;

  constructor(
    private readonly js: JetStreamClient,
    private readonly runMs: number,
    private readonly clockMs: () => number = () => Date.now(),
  ) {}

  async launch(job: JobRecord, gpus: readonly GpuAddress[]): Promise<{ handle: string }> {
    const now = performance.now();
    this.launches.push({ jobId: job.id, team: job.team, attempt: job.attempt, gpus: [...gpus], atMs: this.clockMs() });
    for (const g of gpus) {
      const key = `${g.server}:${g.index}`;
      const freed = this.freedAt.get(key);
      if (freed !== undefined) {
        this.freeToStartMs.push(now - freed);
        this.freedAt.delete(key);
      }
    }
    const report = (body: JobEventEnvelope['body']) =>
      this.js.publish(
        workerEventSubject(job.id, job.attempt, body.type === 'started' ? 'report.started' : 'report.result'),
        JSON.stringify({ jobId: job.id, attempt: job.attempt, time: new Date().toISOString(), body } satisfies JobEventEnvelope),
      );
    setTimeout(() => {
      void (async () => {
        await report({ type: 'started', backend: 'simulated', pid: 0 });
        await new Promise((r) => setTimeout(r, this.runMs));
        if (this.closed) return;
        for (const g of gpus) this.freedAt.set(`${g.server}:${g.index}`, performance.now());
        await report({ type: 'result', backend: 'simulated', resultRef: ObjectNames.result(job.id), result: {} });
      })().catch((error: unknown) => {
        // After close the connection is gone; a report then has nobody to reach.
        if (!this.closed) throw error;
      });
    }, 0);
    return { handle: 'simulated' };
  }

  adopt(): boolean {
    return false;
  }

  stop(): void {}

  onExit(_listener: (exit: WorkerExit) => void): void {}

  async close(): Promise<void> {
    this.closed = true;
  }
}

import { PROGRESS_LIMITS, type ResourceSample } from '@gpulab/contracts';
import { queryGpus } from './gpu-query';
import { groupProcesses } from './proc-stat';

/** Linux's clock ticks a second and page size, as good as every kernel gpulab runs on has them. */
const TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

/** The CPU % of `ticks` used over `elapsedMs` (100 = one core busy). */
export function cpuPercent(ticks: number, elapsedMs: number): number {
  return elapsedMs > 0 ? Math.round((ticks / TICKS_PER_SECOND / (elapsedMs / 1000)) * 1000) / 10 : 0;
}

/** The highest of each figure over two samples: a result's peak. */
export function peakOf(a: ResourceSample | undefined, b: ResourceSample): ResourceSample {
  if (!a) return b;
  const gpus = b.gpus?.map((g) => {
    const before = a.gpus?.find((x) => x.index === g.index);
    return before ? { ...g, utilizationPercent: Math.max(g.utilizationPercent, before.utilizationPercent), memoryUsedBytes: Math.max(g.memoryUsedBytes, before.memoryUsedBytes) } : g;
  }) ?? a.gpus;
  return { cpuPercent: Math.max(a.cpuPercent, b.cpuPercent), rssBytes: Math.max(a.rssBytes, b.rssBytes), ...(gpus ? { gpus } : {}), ...(b.at ? { at: b.at } : {}) };
}

/** A GPU of the job: its index on the node, as samples report it, and as `nvidia-smi` here numbers it. */
export interface SampledGpu {
  index: number;
  /** The same on a server; from 0 in a container that sees only the job's GPUs (cluster mode). */
  smiIndex: number;
}

/** `nvidia-smi`'s rows of the job's GPUs under their node's indexes, as every sample reports them. */
export function underNodeIndexes(rows: NonNullable<ResourceSample['gpus']>, gpus: readonly SampledGpu[]): NonNullable<ResourceSample['gpus']> {
  return rows.flatMap((row) => {
    const gpu = gpus.find((g) => g.smiIndex === row.index);
    return gpu ? [{ ...row, index: gpu.index }] : [];
  });
}

/**
 * Samples a command's process group (CPU %, resident memory from `/proc`) and its GPUs (where
 * `nvidia-smi` exists) every `intervalMs`, keeping the latest sample and the peak. The group is
 * asked for at each sample: beside a team's container it is known only once the entry has
 * started the command (undefined until then, and while it cannot be seen: no sample).
 */
export class ResourceSampler {
  latest?: ResourceSample;
  peak?: ResourceSample;
  private timer?: NodeJS.Timeout;
  private lastTicks = new Map<number, number>();
  private lastAt = Date.now();
  private gpusAnswer = true;

  constructor(
    private readonly group: () => number | undefined,
    private readonly gpus: readonly SampledGpu[],
    private readonly intervalMs: number,
    /** Called with each sample and the peak so far (which includes it). */
    private readonly onSample: (sample: ResourceSample, peak: ResourceSample) => void = () => undefined,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async sample(): Promise<void> {
    const pgid = this.group();
    const processes = pgid === undefined ? undefined : groupProcesses(pgid);
    if (!processes || processes.length === 0) return;
    const now = Date.now();
    let ticks = 0;
    const seen = new Map<number, number>();
    for (const p of processes) {
      ticks += p.cpuTicks - (this.lastTicks.get(p.pid) ?? p.cpuTicks);
      seen.set(p.pid, p.cpuTicks);
    }
    const elapsed = now - this.lastAt;
    this.lastTicks = seen;
    this.lastAt = now;
    // Once nvidia-smi is found missing it is not asked again: it will not appear during the job.
    const gpus = this.gpusAnswer && this.gpus.length > 0 ? await this.queryGpus() : undefined;
    if (!gpus) this.gpusAnswer = false;
    const sample: ResourceSample = {
      cpuPercent: cpuPercent(ticks, elapsed),
      rssBytes: processes.reduce((sum, p) => sum + p.rssPages * PAGE_BYTES, 0),
      ...(gpus ? { gpus: gpus.slice(0, PROGRESS_LIMITS.maxSampledGpus) } : {}),
      at: new Date(now).toISOString(),
    };
    this.latest = sample;
    this.peak = peakOf(this.peak, sample);
    this.onSample(sample, this.peak);
  }

  private async queryGpus(): Promise<NonNullable<ResourceSample['gpus']> | undefined> {
    const rows = await queryGpus(this.gpus.map((g) => g.smiIndex));
    return rows && underNodeIndexes(rows, this.gpus);
  }
}

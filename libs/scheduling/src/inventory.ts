import { type GpuAddress } from '@gpulab/contracts';

export type { GpuAddress } from '@gpulab/contracts';

export interface ServerSpec {
  name: string;
  gpus: number;
  /** Takes no new jobs; running ones finish. */
  drained?: boolean;
  /** GPU indices out of service. */
  brokenGpus?: readonly number[];
}

export interface Inventory {
  servers: readonly ServerSpec[];
}

/** The course's cluster: 3 servers, 8 GPUs, laid out so every GPU can join a 2-GPU slot. */
export const DEFAULT_GPU_LAYOUT = '4,2,2';

/** `'4,2,2'` → servers s1 (4 GPUs), s2 (2), s3 (2). */
export function inventoryFromLayout(layout: string): Inventory {
  const parts = layout.split(',').map((p) => p.trim());
  const servers = parts.map((part, i) => {
    const gpus = Number(part);
    if (!Number.isInteger(gpus) || gpus < 1 || gpus > 64) {
      throw new Error(`GPU layout "${layout}": "${part}" is not a GPU count between 1 and 64`);
    }
    return { name: `s${i + 1}`, gpus };
  });
  return { servers };
}

export function gpuKey(gpu: GpuAddress): string {
  return `${gpu.server}:${gpu.index}`;
}

export function allGpus(inventory: Inventory): GpuAddress[] {
  return inventory.servers.flatMap((s) => Array.from({ length: s.gpus }, (_, index) => ({ server: s.name, index })));
}

export function totalGpus(inventory: Inventory): number {
  return inventory.servers.reduce((sum, s) => sum + s.gpus, 0);
}

export function largestServer(inventory: Inventory): number {
  return inventory.servers.reduce((max, s) => Math.max(max, s.gpus), 0);
}

/** GPU keys out of service. */
export function brokenGpuKeys(inventory: Inventory): Set<string> {
  return new Set(inventory.servers.flatMap((s) => (s.brokenGpus ?? []).map((index) => gpuKey({ server: s.name, index }))));
}

export function drainedServers(inventory: Inventory): Set<string> {
  return new Set(inventory.servers.filter((s) => s.drained).map((s) => s.name));
}

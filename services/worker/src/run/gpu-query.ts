import { execFile } from 'node:child_process';
import { type ResourceSample } from '@gpulab/contracts';

type GpuSample = NonNullable<ResourceSample['gpus']>[number];

/** The query `nvidia-smi` answers one CSV line per GPU to, in this column order. */
export const NVIDIA_SMI_ARGS = ['--query-gpu=index,utilization.gpu,memory.used,memory.total', '--format=csv,noheader,nounits'];

/** `nvidia-smi`'s CSV (memory in MiB), the rows of `indexes` only; rows it could not read ("[N/A]") are left out. */
export function parseNvidiaSmi(csv: string, indexes: readonly number[]): GpuSample[] {
  const rows: GpuSample[] = [];
  for (const line of csv.split('\n')) {
    const [index, util, used, total] = line.split(',').map((cell) => Number(cell.trim()));
    if (![index, util, used, total].every(Number.isFinite) || !indexes.includes(index)) continue;
    rows.push({ index, utilizationPercent: util, memoryUsedBytes: used * 2 ** 20, memoryTotalBytes: total * 2 ** 20 });
  }
  return rows;
}

/**
 * Asks `nvidia-smi` about the job's GPUs; undefined where it does not exist or does not answer
 * in time, which a machine without NVIDIA GPUs (local mode, a laptop) is.
 */
export function queryGpus(indexes: readonly number[]): Promise<GpuSample[] | undefined> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', NVIDIA_SMI_ARGS, { timeout: 5000 }, (error, stdout) => resolve(error ? undefined : parseNvidiaSmi(stdout, indexes)));
  });
}

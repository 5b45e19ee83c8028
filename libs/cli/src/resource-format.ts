import { type ResourceUsageView } from '@gpulab/sdk';
import { formatBytes, formatBytesIn, byteUnit } from './byte-format';

/**
 * A resource sample on one line, as `sstat` gives it a Slurm user: "CPU 180%  memory 1.20 GB
 * GPU0 87% 10.1/80.0 GB". A GPU's used and total memory share the total's unit, so the two
 * compare at a glance.
 */
export function resourceLine(r: ResourceUsageView): string {
  const gpus = r.gpus.map((g) => {
    const unit = byteUnit(g.memoryTotalBytes);
    const total = formatBytesIn(g.memoryTotalBytes, unit);
    return `GPU${g.index} ${Math.round(g.utilizationPercent)}% ${formatBytesIn(g.memoryUsedBytes, unit).split(' ')[0]}/${total}`;
  });
  return [`CPU ${Math.round(r.cpuPercent)}%`, `memory ${formatBytes(r.rssBytes)}`, ...gpus].join('  ');
}

/** A progress event's metrics after its bar or line: "loss 0.31  acc 0.92", numbers to 4 significant digits. */
export function metricsText(metrics: Record<string, number> | undefined): string {
  if (!metrics) return '';
  return Object.entries(metrics)
    .map(([name, value]) => `${name} ${Number.isInteger(value) ? value : Number(value.toPrecision(4))}`)
    .join('  ');
}

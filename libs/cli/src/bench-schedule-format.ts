import { table } from './text-table';
import { localTime, type TimeOptions } from './time-format';

/** A benchmark schedule as `gpulab bench schedule list` shows it (the SDK's `BenchSchedule`). */
export interface BenchScheduleRow {
  id: string;
  cron: string;
  timeZone: string;
  model: string;
  backends: string[];
  batchSizes: number[];
  paused: boolean;
  /** RFC 3339; empty when paused or when the expression never fires again. */
  nextFiring: string;
  lastFiring?: { at: string; outcome: string; jobIds: string[]; reason: string };
}

/**
 * The schedules as a table (id, cron and the zone it is read in, model, backends, batch sizes,
 * paused, next firing and last firing in the reader's zone, its outcome), then why each skipped
 * last firing was skipped: a reason is a sentence, too long for a column.
 */
export function benchScheduleTable(schedules: readonly BenchScheduleRow[], time: TimeOptions = {}): string {
  if (schedules.length === 0) return 'no benchmark schedules; add one with gpulab bench schedule add --cron "0 3 * * *" --model resnet50';
  const at = (iso: string | undefined) => (iso ? localTime(new Date(iso), { timeZone: time.timeZone }) : '-');
  const rows = schedules.map((s) => [
    s.id,
    s.cron,
    s.timeZone,
    s.model,
    s.backends.join(',') || 'all',
    s.batchSizes.join(','),
    s.paused ? 'yes' : 'no',
    at(s.nextFiring),
    at(s.lastFiring?.at),
    s.lastFiring?.outcome ?? '-',
  ]);
  const reasons = schedules.filter((s) => s.lastFiring?.reason).map((s) => `${s.id}: ${s.lastFiring?.outcome} at ${at(s.lastFiring?.at)}: ${s.lastFiring?.reason}`);
  const text = table([['ID', 'CRON', 'ZONE', 'MODEL', 'BACKENDS', 'BATCH SIZES', 'PAUSED', 'NEXT FIRING', 'LAST FIRING', 'OUTCOME'], ...rows]);
  return reasons.length > 0 ? `${text}\n\n${reasons.join('\n')}` : text;
}

/** One line for what `add`, `rm`, `pause` and `resume` did. */
export function benchScheduleLine(verb: string, s: BenchScheduleRow, time: TimeOptions = {}): string {
  const next = s.nextFiring ? `; next firing ${localTime(new Date(s.nextFiring), time)}` : '';
  const batches = s.batchSizes.length === 1 ? `batch size ${s.batchSizes[0]}` : `batch sizes ${s.batchSizes.join(', ')}`;
  return `${verb} benchmark schedule ${s.id}: ${s.model} on ${s.backends.join(', ') || 'every installed backend'}, ${batches}, at '${s.cron}' (${s.timeZone})${next}`;
}

import { table } from './text-table';
import { hoursAndMinutes } from './time-format';

/** A row of GetUsage: one team's GPU time on one day. */
export interface UsageRow {
  team: string;
  date: string;
  gpuHours: number;
  backfillGpuHours: number;
}

/** GPU time per team and day in hours and minutes ("2 h 05 min", "33 s"), not as 0.0091 hours. */
export function usageTable(rows: readonly UsageRow[]): string {
  const time = (h: number) => (h > 0 ? hoursAndMinutes(h) : '-');
  return table([['TEAM', 'DATE', 'GPU TIME', 'OF WHICH BACKFILL'], ...rows.map((r) => [r.team, r.date, time(r.gpuHours), time(r.backfillGpuHours)])]);
}

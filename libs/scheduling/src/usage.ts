import { dayDate, dayStartMs, type Term } from './term';

export interface RunStretch {
  team: string;
  fromMs: number;
  toMs: number;
  gpus: number;
  backfill: boolean;
}

export interface DayUsage {
  team: string;
  day: number;
  date: string;
  gpuHours: number;
  backfillGpuHours: number;
}

/** GPU-hours per team and term day, each run split at the midnights it crosses. */
export function usagePerDay(term: Term, runs: readonly RunStretch[]): DayUsage[] {
  const cells = new Map<string, DayUsage>();
  for (const run of runs) {
    for (let day = 0; day < term.days; day++) {
      const start = Math.max(run.fromMs, dayStartMs(term, day));
      const end = Math.min(run.toMs, dayStartMs(term, day + 1));
      if (end <= start) continue;
      const key = `${run.team}\u0000${day}`;
      const cell = cells.get(key) ?? { team: run.team, day, date: dayDate(term, day), gpuHours: 0, backfillGpuHours: 0 };
      const hours = ((end - start) / 3_600_000) * run.gpus;
      cell.gpuHours += hours;
      if (run.backfill) cell.backfillGpuHours += hours;
      cells.set(key, cell);
    }
  }
  return [...cells.values()].sort((a, b) => a.team.localeCompare(b.team) || a.day - b.day);
}

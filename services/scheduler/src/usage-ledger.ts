import { JobStates, type UsageRow } from '@gpulab/contracts';
import { type RunStretch, type Term, usagePerDay } from '@gpulab/scheduling';
import { type Clock } from './clock';
import { type JobStore } from './job-store';

/** GPU-hours, from the runs the jobs' records keep and the runs going on now. */
export class UsageLedger {
  constructor(
    private readonly store: JobStore,
    private readonly clock: Clock,
  ) {}

  /** Per team and day; all teams when `team` is undefined. */
  usage(term: Term, team: string | undefined): UsageRow[] {
    const round = (h: number) => Math.round(h * 1e6) / 1e6;
    return usagePerDay(term, this.runStretches(team)).map((r) => ({ team: r.team, date: r.date, gpuHours: round(r.gpuHours), backfillGpuHours: round(r.backfillGpuHours) }));
  }

  /** GPU-hours a team's preemptible jobs used outside its slots. */
  backfillGpuHours(team: string): number {
    const ms = this.runStretches(team).reduce((sum, r) => sum + (r.backfill ? (r.toMs - r.fromMs) * r.gpus : 0), 0);
    return Math.round((ms / 3_600_000) * 1e6) / 1e6;
  }

  private runStretches(team?: string): RunStretch[] {
    const now = this.clock.now().getTime();
    const out: RunStretch[] = [];
    for (const job of this.store.all()) {
      if (team !== undefined && job.team !== team) continue;
      for (const run of job.runs ?? []) out.push({ team: job.team, fromMs: Date.parse(run.from), toMs: Date.parse(run.to), gpus: run.gpus, backfill: run.backfill });
      if (job.state === JobStates.running && job.startedAt) {
        out.push({ team: job.team, fromMs: Date.parse(job.startedAt), toMs: now, gpus: job.assignedGpus.length, backfill: job.backfill === true });
      }
    }
    return out;
  }
}

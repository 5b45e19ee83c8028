import { JobStates } from '@gpulab/contracts';
import { largestServer } from './inventory';
import { holdsGpus, isTerminal } from './job-lifecycle';
import { type CycleSnapshot, freeGpus, inBackoff, type SchedulableJob } from './scheduling-cycle';
import { heldGpus } from './slot-calendar';

/** Ids in creation order; a Set keeps insertion order, and a job is inserted once in its life. */
type Lane = Set<string>;

/**
 * The unfinished jobs arranged the way a cycle reads them, so that it looks only at what can
 * change: the jobs on GPUs, each team's queue head, and per job size the first jobs that could
 * take a GPU no slot holds. A job enters its lanes when it is first seen and leaves them when it
 * ends; a job queued again keeps its place (first come, first served is by submission).
 *
 * What a job is filed under (team, tutor, priority, preemptible, size) never changes in its life,
 * so a lane never has to be re-sorted.
 */
export class JobQueueIndex {
  private readonly jobs = new Map<string, SchedulableJob>();
  /** First-seen order of every job here: creation order, as the store loads and adds them. */
  private readonly order = new Map<string, number>();
  private nextSeq = 0;
  /** Queued jobs per team, and each team's newest non-priority job: a new job's place is O(1). */
  private readonly queuedPerTeam = new Map<string, number>();
  private readonly newest = new Map<string, string>();
  private readonly holders = new Set<string>();
  /** Per team: its priority jobs, then the others. */
  private readonly teamLanes = new Map<string, [Lane, Lane]>();
  /** Per size: jobs that may run on unheld GPUs (tutor and preemptible jobs), priority lane first. */
  private readonly unheldLanes = new Map<number, [Lane, Lane]>();

  get size(): number {
    return this.jobs.size;
  }

  get(id: string): SchedulableJob | undefined {
    return this.jobs.get(id);
  }

  /** Files a job under its lanes, or takes it out once it has ended. */
  upsert(job: SchedulableJob): void {
    if (isTerminal(job.state)) {
      this.remove(job.id);
      return;
    }
    const previous = this.jobs.get(job.id);
    const known = previous !== undefined;
    this.countQueued(previous, -1);
    this.countQueued(job, 1);
    this.jobs.set(job.id, job);
    if (holdsGpus(job.state)) this.holders.add(job.id);
    else this.holders.delete(job.id);
    if (known) return;
    this.order.set(job.id, this.nextSeq++);
    const lane = job.priority ? 0 : 1;
    lanes(this.teamLanes, job.team)[lane].add(job.id);
    if (!job.priority) this.newest.set(job.team, job.id);
    if (job.role === 'tutor' || job.preemptible) lanes(this.unheldLanes, job.gpus)[lane].add(job.id);
  }

  remove(id: string): void {
    const job = this.jobs.get(id);
    if (!job) return;
    this.countQueued(job, -1);
    if (this.newest.get(job.team) === id) this.newest.delete(job.team);
    this.jobs.delete(id);
    this.order.delete(id);
    this.holders.delete(id);
    const lane = job.priority ? 0 : 1;
    this.teamLanes.get(job.team)?.[lane].delete(id);
    this.unheldLanes.get(job.gpus)?.[lane].delete(id);
  }

  /** Jobs holding GPUs now. */
  onGpus(): SchedulableJob[] {
    return [...this.holders].map((id) => this.jobs.get(id) as SchedulableJob);
  }

  /** A queued job's 1-based place in its team's queue (priority jobs first), or undefined. */
  position(id: string): number | undefined {
    const job = this.jobs.get(id);
    if (!job || job.state !== JobStates.queued) return undefined;
    // The newest job is behind every other queued job of its team.
    if (this.newest.get(job.team) === id) return this.queuedPerTeam.get(job.team) ?? 1;
    let place = 0;
    for (const lane of this.teamLanes.get(job.team) ?? []) {
      for (const other of lane) {
        if (this.jobs.get(other)?.state === JobStates.queued) place++;
        if (other === id) return place;
      }
    }
    return undefined;
  }

  private countQueued(job: SchedulableJob | undefined, by: number): void {
    if (job?.state !== JobStates.queued) return;
    const count = (this.queuedPerTeam.get(job.team) ?? 0) + by;
    if (count > 0) this.queuedPerTeam.set(job.team, count);
    else this.queuedPerTeam.delete(job.team);
  }

  /** Places in their team's queue of every queued job of `team`, in one walk. */
  positions(team: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const lane of this.teamLanes.get(team) ?? []) {
      for (const id of lane) if (this.jobs.get(id)?.state === JobStates.queued) out.set(id, out.size + 1);
    }
    return out;
  }

  /**
   * The jobs a cycle must see to decide exactly what a walk of the whole queue would: the jobs on
   * GPUs (they make the free GPUs and may be preempted), each team's first `gpusPerSlot + 1` jobs
   * its slot could take (a slot of k GPUs takes at most k jobs, and the first that does not fit
   * holds up the rest), and per size g the first ⌊unheld free / g⌋ + (free held GPUs) jobs that
   * could use GPUs no slot holds (once one of size g does not fit, no later one does; jobs of
   * those lanes placed in their own slot instead are at most the free held GPUs). In creation
   * order, as `planCycle` wants them.
   */
  candidates(snapshot: Omit<CycleSnapshot, 'jobs'>): SchedulableJob[] {
    const onGpus = this.onGpus();
    if (!snapshot.slots) return this.all();
    const free = freeGpus({ ...snapshot, jobs: onGpus });
    const held = heldGpus(snapshot.slots.calendar, snapshot.slots.day);
    let heldFree = 0;
    for (const k of free) if (held.has(k)) heldFree++;
    const unheldFree = free.size - heldFree;
    const perSlot = snapshot.slots.calendar.rules.gpusPerSlot;
    const biggest = largestServer(snapshot.inventory);
    const chosen = new Set<string>(this.holders);
    const queued = (id: string) => {
      const job = this.jobs.get(id) as SchedulableJob;
      return job.state === JobStates.queued && !inBackoff(job, snapshot.nowMs);
    };
    const takeFirst = (laneOf: [Lane, Lane] | undefined, count: number, fits: (job: SchedulableJob) => boolean) => {
      let left = count;
      for (const lane of laneOf ?? []) {
        for (const id of lane) {
          if (left <= 0) return;
          const job = this.jobs.get(id) as SchedulableJob;
          if (!queued(id) || !fits(job)) continue;
          chosen.add(id);
          left--;
        }
      }
    };
    if (heldFree > 0) {
      for (const teamLane of this.teamLanes.values()) takeFirst(teamLane, perSlot + 1, (j) => j.role !== 'tutor' && j.gpus <= perSlot);
    }
    for (const [gpus, unheldLane] of this.unheldLanes) {
      if (gpus > biggest) continue;
      takeFirst(unheldLane, Math.floor(unheldFree / gpus) + heldFree, () => true);
    }
    return this.inCreationOrder(chosen);
  }

  /** Every unfinished job, in creation order. */
  all(): SchedulableJob[] {
    return [...this.jobs.values()];
  }

  private inCreationOrder(ids: ReadonlySet<string>): SchedulableJob[] {
    const picked = [...ids].map((id) => this.jobs.get(id) as SchedulableJob);
    return picked.sort((a, b) => this.seq(a.id) - this.seq(b.id));
  }

  private seq(id: string): number {
    return this.order.get(id) ?? 0;
  }
}

function lanes<K>(map: Map<K, [Lane, Lane]>, key: K): [Lane, Lane] {
  let found = map.get(key);
  if (!found) {
    found = [new Set(), new Set()];
    map.set(key, found);
  }
  return found;
}

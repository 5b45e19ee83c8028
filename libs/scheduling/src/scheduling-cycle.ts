import { type GpuAddress, type Inventory, allGpus, gpuKey, largestServer, totalGpus } from './inventory';
import { JobStates } from '@gpulab/contracts';
import { type JobState, holdsGpus } from './job-lifecycle';
import { type PlacementPolicy } from './placement';

/** What the cycle needs to know of a job. */
export interface SchedulableJob {
  id: string;
  team: string;
  state: JobState;
  gpus: number;
  /** Order of arrival (ISO time or anything that sorts the same way). */
  createdAt: string;
  assignedGpus: readonly GpuAddress[];
}

export interface CycleSnapshot {
  inventory: Inventory;
  jobs: readonly SchedulableJob[];
}

export const WaitReasons = {
  noFreeGpu: 'NO_FREE_GPU',
  neverFits: 'NEVER_FITS',
} as const;

export type WaitReasonCode = (typeof WaitReasons)[keyof typeof WaitReasons];

/** A job that cannot start yet is data: a code and a sentence for the user. */
export interface Waiting {
  jobId: string;
  code: WaitReasonCode;
  message: string;
}

export interface Placement {
  jobId: string;
  gpus: GpuAddress[];
}

export interface CyclePlan {
  placements: Placement[];
  waiting: Waiting[];
}

/**
 * One scheduling cycle, a pure function of the snapshot: take the free GPUs, walk the queue in
 * arrival order and place what fits. A job that does not fit does not block smaller ones behind
 * it (the next issue's slot rules replace this ordering per team).
 */
export function planCycle(snapshot: CycleSnapshot, policy: PlacementPolicy): CyclePlan {
  const free = freeGpus(snapshot);
  const queued = snapshot.jobs
    .filter((j) => j.state === JobStates.queued)
    .sort((a, b) => (a.createdAt === b.createdAt ? a.id.localeCompare(b.id) : a.createdAt < b.createdAt ? -1 : 1));
  const plan: CyclePlan = { placements: [], waiting: [] };
  const biggest = largestServer(snapshot.inventory);
  for (const job of queued) {
    if (job.gpus > biggest) {
      plan.waiting.push({
        jobId: job.id,
        code: WaitReasons.neverFits,
        message: `asks for ${job.gpus} GPUs on one server, but the largest server has ${biggest}`,
      });
      continue;
    }
    const gpus = policy.place({ jobId: job.id, team: job.team, gpus: job.gpus }, snapshot.inventory, free);
    if (!gpus) {
      plan.waiting.push({
        jobId: job.id,
        code: WaitReasons.noFreeGpu,
        message: `waiting for ${job.gpus} free GPU${job.gpus > 1 ? 's' : ''} on one server (${free.size} of ${totalGpus(snapshot.inventory)} free now)`,
      });
      continue;
    }
    for (const g of gpus) free.delete(gpuKey(g));
    plan.placements.push({ jobId: job.id, gpus });
  }
  return plan;
}

/** GPU keys that no scheduled or running job holds. */
export function freeGpus(snapshot: CycleSnapshot): Set<string> {
  const free = new Set(allGpus(snapshot.inventory).map(gpuKey));
  for (const job of snapshot.jobs) {
    if (holdsGpus(job.state)) for (const g of job.assignedGpus) free.delete(gpuKey(g));
  }
  return free;
}

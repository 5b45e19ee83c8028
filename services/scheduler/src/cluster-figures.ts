import { ALL_JOB_STATES, type JobRecord, type JobStateName, JobStates } from '@gpulab/contracts';
import { gpuKey, type Inventory } from '@gpulab/scheduling';

export interface JobCount {
  state: JobStateName;
  team: string;
  count: number;
}

/**
 * Jobs per state and team. Every state of a team that has any job is listed, zeros included:
 * a team whose last job left RUNNING reads 0 there, not a series that silently stops.
 */
export function jobCounts(jobs: Iterable<Pick<JobRecord, 'state' | 'team'>>): JobCount[] {
  const perTeam = new Map<string, Map<JobStateName, number>>();
  for (const job of jobs) {
    let states = perTeam.get(job.team);
    if (!states) perTeam.set(job.team, (states = new Map()));
    states.set(job.state, (states.get(job.state) ?? 0) + 1);
  }
  const out: JobCount[] = [];
  for (const [team, states] of perTeam) {
    for (const state of ALL_JOB_STATES) out.push({ state, team, count: states.get(state) ?? 0 });
  }
  return out;
}

export const GpuStates = { busy: 'busy', free: 'free', broken: 'broken' } as const;
export type GpuState = (typeof GpuStates)[keyof typeof GpuStates];

export interface ServerGpus {
  server: string;
  busy: number;
  free: number;
  broken: number;
  /** Busy GPUs over the server's GPUs in service (not broken), 0 to 1; 0 when none is in service. */
  utilization: number;
}

/**
 * What each server's GPUs are doing: busy (held by a scheduled or running job), broken (out of
 * service, whatever holds it), or free. The three add up to the server's GPUs.
 */
export function serverGpus(inventory: Inventory, jobs: Iterable<Pick<JobRecord, 'state' | 'assignedGpus'>>): ServerGpus[] {
  const held = new Set<string>();
  for (const job of jobs) {
    if (job.state !== JobStates.scheduled && job.state !== JobStates.running) continue;
    for (const gpu of job.assignedGpus) held.add(gpuKey(gpu));
  }
  return inventory.servers.map((server) => {
    const broken = new Set((server.brokenGpus ?? []).filter((index) => index >= 0 && index < server.gpus));
    let busy = 0;
    for (let index = 0; index < server.gpus; index++) if (!broken.has(index) && held.has(gpuKey({ server: server.name, index }))) busy++;
    const inService = server.gpus - broken.size;
    return { server: server.name, busy, broken: broken.size, free: inService - busy, utilization: inService > 0 ? busy / inService : 0 };
  });
}

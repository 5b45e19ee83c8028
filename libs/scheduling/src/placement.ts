import { type GpuAddress, type Inventory, gpuKey } from './inventory';

export interface PlacementRequest {
  jobId: string;
  team: string;
  /** GPUs wanted, all on one server. */
  gpus: number;
}

/**
 * Chooses GPUs for one job among GPUs the cycle has already allowed it (the slot rules are
 * applied by `planCycle` before it asks: a team job sees its slot's GPUs, a preemptible or tutor
 * job the ones no slot holds). Another choice (e.g. spreading jobs over servers) is another
 * policy behind this interface; the cycle does not change.
 */
export interface PlacementPolicy {
  place(request: PlacementRequest, inventory: Inventory, free: ReadonlySet<string>): GpuAddress[] | undefined;
}

/**
 * Any free GPUs on one server, best fit: the server with the fewest free GPUs that still holds
 * the job, so that whole servers stay free for 2-GPU jobs.
 */
export class AnyFreeGpuPlacement implements PlacementPolicy {
  place(request: PlacementRequest, inventory: Inventory, free: ReadonlySet<string>): GpuAddress[] | undefined {
    let best: GpuAddress[] | undefined;
    let bestFree = Infinity;
    for (const server of inventory.servers) {
      const freeHere: GpuAddress[] = [];
      for (let index = 0; index < server.gpus; index++) {
        if (free.has(gpuKey({ server: server.name, index }))) freeHere.push({ server: server.name, index });
      }
      if (freeHere.length >= request.gpus && freeHere.length < bestFree) {
        best = freeHere.slice(0, request.gpus);
        bestFree = freeHere.length;
      }
    }
    return best;
  }
}

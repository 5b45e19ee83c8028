import { type InventoryChangeCommand } from '@gpulab/contracts';
import { type Inventory } from '@gpulab/scheduling';
import type { V1Node } from '@kubernetes/client-node';
import { GPU_RESOURCE } from './job-manifest';

/** A course server as its node shows it. */
export interface CourseNode {
  name: string;
  /** Allocatable `nvidia.com/gpu`. */
  gpus: number;
  ready: boolean;
}

/** The course servers among nodes (those the label selected), with their allocatable GPUs. */
export function courseNodes(nodes: readonly V1Node[]): CourseNode[] {
  return nodes
    .filter((n) => n.metadata?.name)
    .map((n) => ({
      name: n.metadata?.name as string,
      gpus: Number.parseInt(n.status?.allocatable?.[GPU_RESOURCE] ?? '0', 10) || 0,
      ready: (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') && n.spec?.unschedulable !== true,
    }));
}

/** The inventory of a first start: every ready course node with GPUs, in name order. */
export function inventoryFromNodes(nodes: readonly CourseNode[]): Inventory {
  return { servers: nodes.filter((n) => n.ready && n.gpus > 0).sort((a, b) => a.name.localeCompare(b.name)).map((n) => ({ name: n.name, gpus: n.gpus })) };
}

/**
 * The inventory changes that bring the scheduler's servers in line with the nodes: a new ready
 * node is added; a server whose node is not ready or gone has its GPUs marked broken (the path a
 * tutor's broken GPU takes: slots moved off where possible, tutors told), and marked working
 * again when its node is back. Only GPUs this sync marked (`lost`) are given back, never those
 * a tutor took out of service.
 */
export function nodeInventoryChanges(inventory: Inventory, nodes: readonly CourseNode[], lost: ReadonlySet<string>): InventoryChangeCommand[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const changes: InventoryChangeCommand[] = [];
  for (const server of inventory.servers) {
    const node = byName.get(server.name);
    const broken = new Set(server.brokenGpus ?? []);
    const up = node?.ready === true;
    for (let index = 0; index < server.gpus; index++) {
      if (!up && !broken.has(index)) changes.push({ type: 'gpu', server: server.name, index, broken: true });
      if (up && broken.has(index) && lost.has(server.name)) changes.push({ type: 'gpu', server: server.name, index, broken: false });
    }
  }
  const known = new Set(inventory.servers.map((s) => s.name));
  for (const node of nodes) {
    if (!known.has(node.name) && node.ready && node.gpus > 0) changes.push({ type: 'add-server', name: node.name, gpus: node.gpus });
  }
  return changes;
}

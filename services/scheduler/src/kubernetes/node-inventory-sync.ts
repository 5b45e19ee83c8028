import { type Caller, type InventoryChangeCommand } from '@gpulab/contracts';
import { type Inventory } from '@gpulab/scheduling';
import { type CourseNode, nodeInventoryChanges } from './node-inventory';
import { type LauncherLog } from './kubernetes-launcher';

/** Who the inventory log and the tutors' notices name for a change the nodes made. */
export const NODE_WATCH_CALLER: Caller = { role: 'tutor', name: 'kubernetes-nodes' };

/** The part of the calendar service the sync uses: a tutor's inventory change. */
export interface InventoryUpdater {
  updateInventory(command: { caller: Caller; change: InventoryChangeCommand }): Promise<unknown>;
}

/**
 * Keeps the scheduler's servers in line with the course nodes, through the same inventory
 * changes a tutor makes: a lost node is a server whose GPUs all broke, so its slots are moved
 * where possible and the tutors are told of those that cannot be. Changes are applied one batch
 * at a time, in the order the nodes changed.
 */
export class NodeInventorySync {
  /** Servers whose GPUs this sync marked broken: only those it gives back. */
  private readonly lost = new Set<string>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly calendar: InventoryUpdater,
    private readonly inventory: () => Inventory,
    private readonly log: LauncherLog,
  ) {}

  nodesChanged(nodes: readonly CourseNode[]): void {
    this.chain = this.chain.then(() => this.apply(nodes));
  }

  /** Resolves when every change asked for so far has been applied (tests). */
  settled(): Promise<void> {
    return this.chain;
  }

  private async apply(nodes: readonly CourseNode[]): Promise<void> {
    for (const change of nodeInventoryChanges(this.inventory(), nodes, this.lost)) {
      try {
        await this.calendar.updateInventory({ caller: NODE_WATCH_CALLER, change });
        if (change.type === 'gpu' && change.broken) this.lost.add(change.server);
        this.log.info({ change }, 'inventory changed by the course nodes');
      } catch (error) {
        this.log.warn({ change, err: (error as Error).message }, 'inventory change of the course nodes refused');
      }
    }
    for (const node of nodes) if (node.ready && this.lost.has(node.name) && !this.inventory().servers.some((s) => s.name === node.name && (s.brokenGpus ?? []).length > 0)) this.lost.delete(node.name);
  }
}

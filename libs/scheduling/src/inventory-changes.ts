import { type InventoryChangeCommand, quoteInput } from '@gpulab/contracts';
import { type Inventory, type ServerSpec } from './inventory';
import { type Booking, type CalendarSnapshot, laneFree, lanes, type Lane, laneBroken } from './slot-calendar';

export const InventoryRefusals = {
  unknownServer: 'UNKNOWN_SERVER',
  serverExists: 'SERVER_EXISTS',
  badGpu: 'BAD_GPU',
  serverInUse: 'SERVER_IN_USE',
} as const;

export type InventoryChange = InventoryChangeCommand;

export type InventoryDecision =
  | { ok: true; inventory: Inventory }
  | { ok: false; code: (typeof InventoryRefusals)[keyof typeof InventoryRefusals]; message: string };

/**
 * Applies a tutor's change to the inventory, or says why not. A server that slots from `today`
 * on still use, or that runs jobs (`busyServers`), cannot be removed: drain it first.
 */
export function changeInventory(
  inventory: Inventory,
  change: InventoryChange,
  context: { bookings: readonly Booking[]; today: number; busyServers: ReadonlySet<string> },
): InventoryDecision {
  const find = (name: string) => inventory.servers.find((s) => s.name === name);
  const replace = (name: string, next: ServerSpec): Inventory => ({ servers: inventory.servers.map((s) => (s.name === name ? next : s)) });
  const unknown = (name: string): InventoryDecision => ({
    ok: false,
    code: InventoryRefusals.unknownServer,
    message: `there is no server ${quoteInput(name)}; servers: ${inventory.servers.map((s) => s.name).join(', ')}`,
  });
  switch (change.type) {
    case 'add-server': {
      if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(change.name)) return { ok: false, code: InventoryRefusals.badGpu, message: `"${change.name}" is not a server name (lowercase letters, digits, -)` };
      if (find(change.name)) return { ok: false, code: InventoryRefusals.serverExists, message: `server ${change.name} exists already` };
      if (!Number.isInteger(change.gpus) || change.gpus < 1 || change.gpus > 64) return { ok: false, code: InventoryRefusals.badGpu, message: `a server has 1 to 64 GPUs, not ${change.gpus}` };
      return { ok: true, inventory: { servers: [...inventory.servers, { name: change.name, gpus: change.gpus }] } };
    }
    case 'remove-server': {
      if (!find(change.name)) return unknown(change.name);
      const future = context.bookings.filter((b) => b.server === change.name && b.startDay + b.days > context.today);
      if (future.length > 0 || context.busyServers.has(change.name)) {
        return {
          ok: false,
          code: InventoryRefusals.serverInUse,
          message: `server ${change.name} still has ${future.length} current or future slot${future.length === 1 ? '' : 's'}${context.busyServers.has(change.name) ? ' and running jobs' : ''}: drain it and move its slots first`,
        };
      }
      return { ok: true, inventory: { servers: inventory.servers.filter((s) => s.name !== change.name) } };
    }
    case 'drain': {
      const server = find(change.name);
      if (!server) return unknown(change.name);
      return { ok: true, inventory: replace(change.name, { ...server, drained: change.drained }) };
    }
    case 'gpu': {
      const server = find(change.server);
      if (!server) return unknown(change.server);
      if (!Number.isInteger(change.index) || change.index < 0 || change.index >= server.gpus) {
        return { ok: false, code: InventoryRefusals.badGpu, message: `${change.server} has GPUs 0 to ${server.gpus - 1}, not ${change.index}` };
      }
      const broken = new Set(server.brokenGpus ?? []);
      if (change.broken) broken.add(change.index);
      else broken.delete(change.index);
      return { ok: true, inventory: replace(change.server, { ...server, brokenGpus: [...broken].sort((a, b) => a - b) }) };
    }
  }
}

export interface Relocation {
  moved: { booking: Booking; to: Lane }[];
  /** Slots on a broken pair with no free pair for their days: tutors must act. */
  stranded: Booking[];
}

/**
 * Moves current and future slots off pairs with a broken GPU to a free pair for the same days,
 * where one exists (the same server first).
 */
export function relocateBookings(snapshot: CalendarSnapshot, today: number): Relocation {
  const all = lanes(snapshot.inventory, snapshot.rules);
  const result: Relocation = { moved: [], stranded: [] };
  let bookings = [...snapshot.bookings];
  for (const booking of snapshot.bookings) {
    if (booking.startDay + booking.days <= today) continue;
    const lane = all.find((l) => l.server === booking.server && l.gpus[0] === booking.gpus[0]);
    if (lane && !laneBroken(snapshot, lane)) continue;
    const view = { ...snapshot, bookings };
    const options = [...all.filter((l) => l.server === booking.server), ...all.filter((l) => l.server !== booking.server)];
    const to = options.find((l) => laneFree(view, l, booking.startDay, booking.days, booking.id));
    if (!to) {
      result.stranded.push(booking);
      continue;
    }
    result.moved.push({ booking, to });
    bookings = bookings.map((b) => (b.id === booking.id ? { ...b, server: to.server, gpus: to.gpus } : b));
  }
  return result;
}

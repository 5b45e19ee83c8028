import { CalendarKeys, type SlotKind, type SlotRecord, type TeamRecord, type TokenRecord } from '@gpulab/contracts';
import { listKvKeys } from '@gpulab/platform';
import { type Inventory, type Quota, type Term, validateTerm } from '@gpulab/scheduling';
import { type KV } from '@nats-io/kv';
import { RevisionConflictError } from './errors';

/**
 * The term, the booked slots and per-team quotas, kept in the KV bucket `gpulab-calendar` and
 * mirrored in memory. Slots are created with `create` (a slot id is never reused) and removed
 * with a revision check, so two schedulers cannot both win a race.
 */
export class CalendarStore {
  private termValue?: Term;
  private inventoryValue?: { value: Inventory; revision: number };
  private readonly slots = new Map<string, { record: SlotRecord; revision: number }>();
  private readonly quotas = new Map<string, Partial<Quota>>();
  private readonly teams = new Map<string, { record: TeamRecord; revision: number }>();

  constructor(private readonly kv: KV) {}

  /**
   * Loads everything. The term is written once, on the first start: changing the configured
   * term later does not move slots already booked under the old one.
   */
  async load(configuredTerm: Term, configuredInventory: Inventory): Promise<void> {
    validateTerm(configuredTerm);
    await this.loadInventory(configuredInventory);
    const stored = await this.kv.get(CalendarKeys.term);
    if (stored && stored.operation === 'PUT') {
      this.termValue = stored.json<Term>();
    } else {
      try {
        await this.kv.create(CalendarKeys.term, JSON.stringify(configuredTerm));
        this.termValue = configuredTerm;
      } catch {
        this.termValue = (await this.kv.get(CalendarKeys.term))?.json<Term>() ?? configuredTerm;
      }
    }
    this.slots.clear();
    this.quotas.clear();
    this.teams.clear();
    for (const key of await listKvKeys(this.kv)) {
      const entry = await this.kv.get(key);
      if (!entry || entry.operation !== 'PUT') continue;
      if (key.startsWith(CalendarKeys.slotPrefix)) {
        const record = entry.json<SlotRecord>();
        this.slots.set(record.id, { record, revision: entry.revision });
      } else if (key.startsWith(CalendarKeys.teamPrefix)) {
        const record = entry.json<TeamRecord>();
        this.teams.set(record.name, { record, revision: entry.revision });
      } else if (key.startsWith(CalendarKeys.quotaPrefix)) {
        this.quotas.set(key.slice(CalendarKeys.quotaPrefix.length), entry.json<Partial<Quota>>());
      }
    }
  }

  /** Like the term, the configured layout seeds the inventory once; tutors change it after. */
  private async loadInventory(configured: Inventory): Promise<void> {
    const stored = await this.kv.get(CalendarKeys.inventory);
    if (stored && stored.operation === 'PUT') {
      this.inventoryValue = { value: stored.json<Inventory>(), revision: stored.revision };
      return;
    }
    try {
      this.inventoryValue = { value: configured, revision: await this.kv.create(CalendarKeys.inventory, JSON.stringify(configured)) };
    } catch {
      const again = await this.kv.get(CalendarKeys.inventory);
      this.inventoryValue = { value: again?.json<Inventory>() ?? configured, revision: again?.revision ?? 0 };
    }
  }

  get inventory(): Inventory {
    if (!this.inventoryValue) throw new Error('the calendar is not loaded');
    return this.inventoryValue.value;
  }

  async setInventory(inventory: Inventory): Promise<void> {
    const current = this.inventoryValue;
    if (!current) throw new Error('the calendar is not loaded');
    try {
      this.inventoryValue = { value: inventory, revision: await this.kv.update(CalendarKeys.inventory, JSON.stringify(inventory), current.revision) };
    } catch (error) {
      throw new RevisionConflictError(CalendarKeys.inventory, { cause: error });
    }
  }

  /** Moves a slot to other GPUs and, for a tutor's move, another start day. */
  async moveSlot(id: string, server: string, gpus: number[], startDay?: number): Promise<SlotRecord> {
    const entry = this.slots.get(id);
    if (!entry) throw new Error(`slot ${id} is not loaded`);
    const record = { ...entry.record, server, gpus, startDay: startDay ?? entry.record.startDay };
    try {
      const revision = await this.kv.update(CalendarKeys.slot(id), JSON.stringify(record), entry.revision);
      this.slots.set(id, { record, revision });
      return record;
    } catch (error) {
      throw new RevisionConflictError(CalendarKeys.slot(id), { cause: error });
    }
  }

  get term(): Term {
    if (!this.termValue) throw new Error('the calendar is not loaded');
    return this.termValue;
  }

  allSlots(): SlotRecord[] {
    return [...this.slots.values()].map((s) => s.record).sort((a, b) => a.startDay - b.startDay || a.server.localeCompare(b.server) || a.gpus[0] - b.gpus[0]);
  }

  slot(id: string): SlotRecord | undefined {
    return this.slots.get(id)?.record;
  }

  quotaOverrides(): Record<string, Partial<Quota>> {
    return Object.fromEntries(this.quotas);
  }

  async addSlot(record: SlotRecord): Promise<void> {
    const revision = await this.kv.create(CalendarKeys.slot(record.id), JSON.stringify(record));
    this.slots.set(record.id, { record, revision });
  }

  async removeSlot(id: string): Promise<void> {
    const entry = this.slots.get(id);
    if (!entry) return;
    try {
      await this.kv.delete(CalendarKeys.slot(id), { previousSeq: entry.revision });
    } catch (error) {
      throw new RevisionConflictError(CalendarKeys.slot(id), { cause: error });
    }
    this.slots.delete(id);
  }

  allTeams(): TeamRecord[] {
    return [...this.teams.values()].map((t) => t.record).sort((a, b) => a.name.localeCompare(b.name));
  }

  team(name: string): TeamRecord | undefined {
    return this.teams.get(name)?.record;
  }

  async createTeam(record: TeamRecord): Promise<void> {
    const revision = await this.kv.create(CalendarKeys.team(record.name), JSON.stringify(record));
    this.teams.set(record.name, { record, revision });
  }

  async updateTeam(record: TeamRecord): Promise<void> {
    const entry = this.teams.get(record.name);
    if (!entry) throw new Error(`team ${record.name} is not loaded`);
    try {
      this.teams.set(record.name, { record, revision: await this.kv.update(CalendarKeys.team(record.name), JSON.stringify(record), entry.revision) });
    } catch (error) {
      throw new RevisionConflictError(CalendarKeys.team(record.name), { cause: error });
    }
  }

  async putToken(hash: string, record: TokenRecord): Promise<void> {
    await this.kv.create(CalendarKeys.token(hash), JSON.stringify(record));
  }

  async deleteToken(hash: string): Promise<void> {
    await this.kv.delete(CalendarKeys.token(hash));
  }

  async setQuota(team: string, kind: SlotKind, quota: number): Promise<void> {
    const next = { ...this.quotas.get(team), [kind]: quota };
    await this.kv.put(CalendarKeys.quota(team), JSON.stringify(next));
    this.quotas.set(team, next);
  }
}

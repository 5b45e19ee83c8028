import { type Caller } from './commands';

export const SlotKinds = { setup: 'setup', experiment: 'experiment' } as const;
export type SlotKind = (typeof SlotKinds)[keyof typeof SlotKinds];
export const SLOT_KINDS: readonly SlotKind[] = [SlotKinds.setup, SlotKinds.experiment];

/** A team's slot: what the booking rules look at. */
export interface Booking {
  id: string;
  team: string;
  kind: SlotKind;
  /** Term day of the first day. */
  startDay: number;
  days: number;
  server: string;
  /** GPU indices on `server`. */
  gpus: number[];
}

/** A booked slot as the scheduler stores it (KV `slots.<id>`). */
export interface SlotRecord extends Booking {
  bookedBy: string;
  bookedAt: string;
}

/** A slot as replies show it: dates, not day numbers. */
export interface SlotView extends SlotRecord {
  startDate: string;
  startsAt: string;
  endsAt: string;
}

export interface TermView {
  start: string;
  days: number;
  timeZone: string;
  today: string;
}

export interface ServerView {
  name: string;
  gpus: number;
  brokenGpus: number[];
  drained: boolean;
}

export interface CalendarReply {
  term: TermView;
  servers: ServerView[];
  slots: SlotView[];
  free: { date: string; free: Record<string, number> }[];
}

export interface KindQuotaView {
  quota: number;
  booked: number;
  used: number;
  remaining: number;
  daysPerSlot: number;
}

export interface TeamQuotaView {
  team: string;
  kinds: Record<SlotKind, KindQuotaView>;
  backfillGpuHours: number;
}

export interface FeasibilityView {
  verdict: 'feasible' | 'infeasible' | 'unknown';
  stranded: SlotView[];
  suggestion: SlotView[];
  short: { team: string; kind: SlotKind; missing: number }[];
  unused: { date: string; pairs: number }[];
  demandPairDays: number;
  freePairDays: number;
  nodes: number;
}

export interface BookSlotCommand {
  caller: Caller;
  kind: SlotKind;
  /** YYYY-MM-DD. */
  startDate: string;
  server?: string;
  /** Tutors book for any team. */
  team?: string;
}

export interface MoveSlotCommand {
  caller: Caller;
  slotId: string;
  startDate: string;
  server?: string;
}

export interface SlotRef {
  caller: Caller;
  slotId: string;
}

export interface QuotaQuery {
  caller: Caller;
  team?: string;
}

export interface SetQuotaCommand {
  caller: Caller;
  team: string;
  kind: SlotKind;
  quota: number;
}

export type InventoryChangeCommand =
  | { type: 'add-server'; name: string; gpus: number }
  | { type: 'remove-server'; name: string }
  | { type: 'drain'; name: string; drained: boolean }
  | { type: 'gpu'; server: string; index: number; broken: boolean };

export interface UpdateInventoryCommand {
  caller: Caller;
  change: InventoryChangeCommand;
}

export interface InventoryReply {
  servers: ServerView[];
  moved: SlotView[];
  stranded: SlotView[];
}

export interface UsageQuery {
  caller: Caller;
  team?: string;
}

/** GPU-hours of one team on one day of the term. */
export interface UsageRow {
  team: string;
  date: string;
  gpuHours: number;
  /** Of which on GPUs outside the team's slots (preemptible backfill). */
  backfillGpuHours: number;
}

/** A team created by a tutor (KV `teams.<name>`); teams of tokens.json exist besides these. */
export interface TeamRecord {
  name: string;
  createdAt: string;
  members: { name: string; tokenHash: string; createdAt: string }[];
}

/** KV `tokens.<sha256 of the token>`: how the gateway finds who a member token belongs to. */
export interface TokenRecord {
  team: string;
  member: string;
}

export interface TeamView {
  name: string;
  members: string[];
  /** Where the team is defined. */
  source: 'tutor' | 'tokens-file';
}

export interface TeamCommand {
  caller: Caller;
  team: string;
}

export interface MemberCommand {
  caller: Caller;
  team: string;
  member: string;
}

/** The new member's token: shown once, stored only as a hash. */
export interface NewMemberReply {
  team: string;
  member: string;
  token: string;
}

/** Something a team (or the tutors) should know, e.g. that a slot moved off a broken GPU. */
export interface Notice {
  audience: string;
  /** ISO-8601. */
  time: string;
  message: string;
}

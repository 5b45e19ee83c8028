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
  /**
   * The team record is where a member's token is decided: a token works only while its member's
   * entry here names its hash, so one revision-checked write adds, rotates or revokes it.
   */
  members: MemberEntry[];
}

export interface MemberEntry {
  name: string;
  tokenHash: string;
  createdAt: string;
  /** ISO-8601; absent: the token works until the member is removed or it is rotated. */
  expiresAt?: string;
}

/** KV `tokens.<sha256 of the token>`: how the gateway finds who a member token belongs to. */
export interface TokenRecord {
  team: string;
  member: string;
  /** ISO-8601; absent: no expiry. */
  expiresAt?: string;
}

export interface TeamView {
  name: string;
  members: string[];
  /** The members with their tokens' expiry, in the order of `members`. */
  roster: MemberView[];
  /** Where the team is defined. */
  source: 'tutor' | 'tokens-file';
}

export interface MemberView {
  name: string;
  /** ISO-8601; absent: no expiry. */
  expiresAt?: string;
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

/**
 * Adds a member or gives one a new token. The token itself was made by the gateway and never
 * leaves it: only its hash travels over NATS and is stored.
 */
export interface MemberTokenCommand extends MemberCommand {
  /** `tokenHash(token)`: 64 lowercase hex digits. */
  tokenHash: string;
  /** How long the token works, in ms (see `parseTokenLifetime`); absent: no expiry. */
  lifetimeMs?: number;
}

/** What the scheduler answers to an add or a rotation: no secret, the gateway holds the token. */
export interface MemberTokenReply {
  team: string;
  member: string;
  /** ISO-8601; absent: no expiry. */
  expiresAt?: string;
}

/** Something a team (or the tutors) should know, e.g. that a slot moved off a broken GPU. */
export interface Notice {
  audience: string;
  /** ISO-8601. */
  time: string;
  message: string;
}

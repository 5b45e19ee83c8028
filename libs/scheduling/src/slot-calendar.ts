import { type Inventory, gpuKey } from './inventory';
import { dayDate, formatDayStart, type Term } from './term';

import { type Booking, quoteInput, SLOT_KINDS, type SlotKind } from '@gpulab/contracts';

export { type Booking, SLOT_KINDS, SlotKinds, type SlotKind } from '@gpulab/contracts';

export type Quota = Record<SlotKind, number>;

/** The course's booking rules. */
export interface SlotRules {
  lengthDays: Quota;
  defaultQuota: Quota;
  /** GPUs a slot gives its team, all on one server. */
  gpusPerSlot: number;
}

/** 2 setup slots of 1 day and 4 experiment slots of 3 days per team, 2 GPUs each. */
export const DEFAULT_SLOT_RULES: SlotRules = {
  lengthDays: { setup: 1, experiment: 3 },
  defaultQuota: { setup: 2, experiment: 4 },
  gpusPerSlot: 2,
};

/** What booking decisions need to know; all of it lives in KV. */
export interface CalendarSnapshot {
  term: Term;
  rules: SlotRules;
  inventory: Inventory;
  /** GPU keys (`s1:2`) out of service. */
  brokenGpus: ReadonlySet<string>;
  teams: readonly string[];
  quotaOverrides: Readonly<Record<string, Partial<Quota>>>;
  bookings: readonly Booking[];
}

/**
 * A pair of GPUs a slot can hold: a server's GPUs are grouped (0,1), (2,3), … so a 4-GPU server
 * holds two slots at once and no slot is stranded on GPUs split across servers.
 */
export interface Lane {
  server: string;
  gpus: number[];
}

export function lanes(inventory: Inventory, rules: SlotRules): Lane[] {
  return inventory.servers.flatMap((s) =>
    Array.from({ length: Math.floor(s.gpus / rules.gpusPerSlot) }, (_, p) => ({
      server: s.name,
      gpus: Array.from({ length: rules.gpusPerSlot }, (_, g) => p * rules.gpusPerSlot + g),
    })),
  );
}

export function laneBroken(snapshot: Pick<CalendarSnapshot, 'brokenGpus'>, lane: Lane): boolean {
  return lane.gpus.some((index) => snapshot.brokenGpus.has(gpuKey({ server: lane.server, index })));
}

export function sameLane(booking: Pick<Booking, 'server' | 'gpus'>, lane: Lane): boolean {
  return booking.server === lane.server && booking.gpus[0] === lane.gpus[0];
}

export function covers(booking: Pick<Booking, 'startDay' | 'days'>, day: number): boolean {
  return day >= booking.startDay && day < booking.startDay + booking.days;
}

function overlaps(a: Pick<Booking, 'startDay' | 'days'>, startDay: number, days: number): boolean {
  return a.startDay < startDay + days && startDay < a.startDay + a.days;
}

export function quotaOf(snapshot: CalendarSnapshot, team: string): Quota {
  return { ...snapshot.rules.defaultQuota, ...snapshot.quotaOverrides[team] };
}

export interface KindUsage {
  quota: number;
  /** Slots booked, past ones included (a past slot is consumed). */
  booked: number;
  /** Slots whose last day is before `today`. */
  used: number;
  remaining: number;
}

export function usageOf(snapshot: CalendarSnapshot, team: string, today: number): Record<SlotKind, KindUsage> {
  const quota = quotaOf(snapshot, team);
  const out = {} as Record<SlotKind, KindUsage>;
  for (const kind of SLOT_KINDS) {
    const mine = snapshot.bookings.filter((b) => b.team === team && b.kind === kind);
    out[kind] = {
      quota: quota[kind],
      booked: mine.length,
      used: mine.filter((b) => b.startDay + b.days <= today).length,
      remaining: Math.max(0, quota[kind] - mine.length),
    };
  }
  return out;
}

/** The team's slot that holds `day`, if any. */
export function activeSlot(snapshot: Pick<CalendarSnapshot, 'bookings'>, team: string, day: number): Booking | undefined {
  return snapshot.bookings.find((b) => b.team === team && covers(b, day));
}

/** The team's next slot that starts after `day`. */
export function nextSlot(snapshot: Pick<CalendarSnapshot, 'bookings'>, team: string, day: number): Booking | undefined {
  return snapshot.bookings.filter((b) => b.team === team && b.startDay > day).sort((a, b) => a.startDay - b.startDay)[0];
}

/** GPU keys that some slot holds on `day`. */
export function heldGpus(snapshot: Pick<CalendarSnapshot, 'bookings'>, day: number): Set<string> {
  const held = new Set<string>();
  for (const b of snapshot.bookings) if (covers(b, day)) for (const index of b.gpus) held.add(gpuKey({ server: b.server, index }));
  return held;
}

export function laneFree(snapshot: CalendarSnapshot, lane: Lane, startDay: number, days: number, ignoreBookingId?: string): boolean {
  if (laneBroken(snapshot, lane)) return false;
  return !snapshot.bookings.some((b) => b.id !== ignoreBookingId && sameLane(b, lane) && overlaps(b, startDay, days));
}

export const BookingRefusals = {
  unknownTeam: 'UNKNOWN_TEAM',
  unknownServer: 'UNKNOWN_SERVER',
  inThePast: 'IN_THE_PAST',
  outsideTerm: 'OUTSIDE_TERM',
  quotaExceeded: 'QUOTA_EXCEEDED',
  overlapsOwnSlot: 'OVERLAPS_OWN_SLOT',
  noFreeGpus: 'NO_FREE_GPUS',
  notFound: 'SLOT_NOT_FOUND',
  alreadyStarted: 'SLOT_STARTED',
} as const;

export type BookingRefusalCode = (typeof BookingRefusals)[keyof typeof BookingRefusals];

/** Refusals that are about the request itself rather than the calendar's state. */
export const INVALID_BOOKING_REQUESTS: ReadonlySet<BookingRefusalCode> = new Set([
  BookingRefusals.unknownTeam,
  BookingRefusals.unknownServer,
  BookingRefusals.inThePast,
  BookingRefusals.outsideTerm,
]);

export interface BookingRequest {
  team: string;
  kind: SlotKind;
  startDay: number;
  server?: string;
  /** A booking being moved: its own days and quota do not count against it. */
  replacing?: string;
}

export type BookingDecision = { ok: true; lane: Lane } | { ok: false; code: BookingRefusalCode; message: string };

/**
 * Decides a booking: the rules in the order a student would want to hear them, each refusal
 * naming the rule and, where there is one, the nearest alternative.
 */
export function decideBooking(snapshot: CalendarSnapshot, request: BookingRequest, today: number): BookingDecision {
  const { term, rules } = snapshot;
  const days = rules.lengthDays[request.kind];
  const refuse = (code: BookingRefusalCode, message: string): BookingDecision => ({ ok: false, code, message });
  if (!snapshot.teams.includes(request.team)) return refuse(BookingRefusals.unknownTeam, `there is no team ${quoteInput(request.team)}`);
  if (request.server !== undefined && !snapshot.inventory.servers.some((s) => s.name === request.server)) {
    return refuse(BookingRefusals.unknownServer, `there is no server ${quoteInput(request.server)}; servers: ${snapshot.inventory.servers.map((s) => s.name).join(', ')}`);
  }
  if (request.startDay < today) {
    return refuse(BookingRefusals.inThePast, `${dayDate(term, request.startDay)} is in the past; the earliest start is today, ${dayDate(term, Math.max(today, 0))}`);
  }
  if (request.startDay < 0 || request.startDay + days > term.days) {
    return refuse(
      BookingRefusals.outsideTerm,
      `a ${request.kind} slot of ${days} day${days > 1 ? 's' : ''} from ${dayDate(term, request.startDay)} does not fit in the term (${term.start} to ${dayDate(term, term.days - 1)})`,
    );
  }
  const mine = snapshot.bookings.filter((b) => b.team === request.team && b.id !== request.replacing);
  const quota = quotaOf(snapshot, request.team)[request.kind];
  const ofKind = mine.filter((b) => b.kind === request.kind).length;
  if (ofKind >= quota) {
    return refuse(BookingRefusals.quotaExceeded, `team ${request.team} has booked all of its ${quota} ${request.kind} slot${quota === 1 ? '' : 's'}; cancel one that has not started to book another`);
  }
  const clash = mine.find((b) => overlaps(b, request.startDay, days));
  if (clash) {
    return refuse(
      BookingRefusals.overlapsOwnSlot,
      `team ${request.team} already holds ${clash.kind === 'experiment' ? 'an' : 'a'} ${clash.kind} slot on ${clash.server} from ${dayDate(term, clash.startDay)} to ${dayDate(term, clash.startDay + clash.days - 1)}; a team holds one slot at a time`,
    );
  }
  const candidates = lanes(snapshot.inventory, rules).filter((l) => request.server === undefined || l.server === request.server);
  const lane = bestFitLane(snapshot, candidates, request.startDay, days, request.replacing);
  if (lane) return { ok: true, lane };
  const where = request.server ? `${request.server} has no ${rules.gpusPerSlot} free GPUs` : `no server has ${rules.gpusPerSlot} free GPUs`;
  const alternative = nearestAlternative(snapshot, request, days, today);
  return refuse(
    BookingRefusals.noFreeGpus,
    `${where} for all of ${dayDate(term, request.startDay)}${days > 1 ? ` to ${dayDate(term, request.startDay + days - 1)}` : ''}${alternative ? `; ${alternative}` : ''}`,
  );
}

/**
 * Among free lanes, the one whose free stretch around the slot is shortest: slots pack against
 * each other and long stretches stay whole for 3-day slots.
 */
function bestFitLane(snapshot: CalendarSnapshot, candidates: Lane[], startDay: number, days: number, ignore?: string): Lane | undefined {
  let best: Lane | undefined;
  let bestGap = Infinity;
  for (const lane of candidates) {
    if (!laneFree(snapshot, lane, startDay, days, ignore)) continue;
    let from = startDay;
    while (from > 0 && laneFree(snapshot, lane, from - 1, 1, ignore)) from--;
    let to = startDay + days;
    while (to < snapshot.term.days && laneFree(snapshot, lane, to, 1, ignore)) to++;
    if (to - from < bestGap) {
      best = lane;
      bestGap = to - from;
    }
  }
  return best;
}

function nearestAlternative(snapshot: CalendarSnapshot, request: BookingRequest, days: number, today: number): string | undefined {
  const all = lanes(snapshot.inventory, snapshot.rules);
  const own = snapshot.bookings.filter((b) => b.team === request.team && b.id !== request.replacing);
  const describe = (lane: Lane, day: number) => `${lane.server} GPUs ${lane.gpus.join(',')} are free from ${formatDayStart(snapshot.term, day)}`;
  for (let distance = 0; distance < snapshot.term.days; distance++) {
    for (const day of distance === 0 ? [request.startDay] : [request.startDay + distance, request.startDay - distance]) {
      if (day < Math.max(today, 0) || day + days > snapshot.term.days) continue;
      if (own.some((b) => overlaps(b, day, days))) continue;
      const preferred = all.filter((l) => l.server === request.server);
      for (const lane of [...preferred, ...all.filter((l) => l.server !== request.server)]) {
        if (laneFree(snapshot, lane, day, days, request.replacing)) return describe(lane, day);
      }
    }
  }
  return undefined;
}

/** Free slots (GPU pairs) per day and server, from `fromDay` to the end of the term. */
export function freeCapacity(snapshot: CalendarSnapshot, fromDay: number): { day: number; date: string; free: Record<string, number> }[] {
  const all = lanes(snapshot.inventory, snapshot.rules);
  const out = [];
  for (let day = Math.max(fromDay, 0); day < snapshot.term.days; day++) {
    const free: Record<string, number> = {};
    for (const s of snapshot.inventory.servers) free[s.name] = 0;
    for (const lane of all) if (laneFree(snapshot, lane, day, 1)) free[lane.server]++;
    out.push({ day, date: dayDate(snapshot.term, day), free });
  }
  return out;
}

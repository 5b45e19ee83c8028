import { type pb, type SlotKind, slotKindFromProto } from '@gpulab/contracts';

export interface SlotInfo {
  id: string;
  team: string;
  kind: SlotKind;
  startDate: string;
  days: number;
  server: string;
  gpus: number[];
  startsAt: string;
  endsAt: string;
}

export interface CalendarView {
  term: { start: string; days: number; timeZone: string; today: string };
  servers: ServerInfo[];
  slots: SlotInfo[];
  free: { date: string; free: Record<string, number> }[];
}

export interface ServerInfo {
  name: string;
  gpus: number;
  brokenGpus: number[];
  drained: boolean;
}

export interface InventoryInfo {
  servers: ServerInfo[];
  moved: SlotInfo[];
  stranded: SlotInfo[];
}

export interface QuotaInfo {
  team: string;
  kinds: Record<SlotKind, { quota: number; booked: number; used: number; remaining: number; daysPerSlot: number }>;
  backfillGpuHours: number;
}

export interface FeasibilityInfo {
  verdict: 'feasible' | 'infeasible' | 'unknown';
  stranded: SlotInfo[];
  suggestion: SlotInfo[];
  short: { team: string; kind: SlotKind; missing: number }[];
  unused: { date: string; pairs: number }[];
  demandPairDays: number;
  freePairDays: number;
  searchNodes: number;
}

export function slotFromProto(s: pb.Slot): SlotInfo {
  return {
    id: s.id,
    team: s.team,
    kind: slotKindFromProto(s.kind) ?? 'setup',
    startDate: s.startDate,
    days: s.days,
    server: s.server,
    gpus: s.gpus,
    startsAt: s.startsAt,
    endsAt: s.endsAt,
  };
}

export function calendarFromProto(c: pb.GetCalendarResponse): CalendarView {
  const term = c.term ?? { startDate: '', days: 0, timeZone: '', today: '' };
  return {
    term: { start: term.startDate, days: term.days, timeZone: term.timeZone, today: term.today },
    servers: c.servers,
    slots: c.slots.map(slotFromProto),
    free: c.free.map((d) => ({ date: d.date, free: Object.fromEntries(d.servers.map((s) => [s.server, s.freePairs])) })),
  };
}

export function quotaFromProto(q: pb.TeamQuota): QuotaInfo {
  const kinds = {} as QuotaInfo['kinds'];
  for (const k of q.kinds) {
    const kind = slotKindFromProto(k.kind);
    if (kind) kinds[kind] = { quota: k.quota, booked: k.booked, used: k.used, remaining: k.remaining, daysPerSlot: k.daysPerSlot };
  }
  return { team: q.team, kinds, backfillGpuHours: q.backfillGpuHours };
}

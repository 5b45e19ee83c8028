import { type Booking, type CalendarSnapshot, covers, type Lane, laneBroken, lanes, SLOT_KINDS, type SlotKind, usageOf } from './slot-calendar';
import { dayDate } from './term';

export interface SuggestedSlot {
  team: string;
  kind: SlotKind;
  startDay: number;
  date: string;
  days: number;
  server: string;
  gpus: number[];
}

export interface FeasibilityReport {
  /** `unknown` when the search hit its node budget without an answer. */
  verdict: 'feasible' | 'infeasible' | 'unknown';
  /** Every team's remaining slots placed (feasible), or the fullest placement found. */
  suggestion: SuggestedSlot[];
  /** Slots the fullest placement could not place. */
  short: { team: string; kind: SlotKind; missing: number }[];
  /** Free GPU pairs that the fullest placement leaves unused, per day. */
  unusedPairs: { day: number; date: string; pairs: number }[];
  /** Pair-days the remaining quotas need, and pair-days free from today on. */
  demandPairDays: number;
  freePairDays: number;
  nodes: number;
}

export interface FeasibilityOptions {
  /** Search nodes before giving up with `unknown`. @default 2_000_000 */
  maxNodes?: number;
}

interface TeamState {
  team: string;
  remaining: Record<SlotKind, number>;
  busy: Uint8Array;
}

/**
 * Can every team still place its remaining quota in the free capacity from `today` on? An exact
 * depth-first search over the calendar grid (GPU pairs × days): it always fills the earliest
 * free cell, either with a slot of some team that starts there or by leaving it empty while the
 * spare capacity allows. Teams in the same situation are interchangeable, so only one of them is
 * tried per cell; this symmetry cut is what makes a full default term (8 teams, 4 pairs, 28
 * days) answer in milliseconds. The search is exponential in the worst case; `maxNodes` bounds
 * it and the report then says `unknown`.
 */
export function checkFeasibility(snapshot: CalendarSnapshot, today: number, options: FeasibilityOptions = {}): FeasibilityReport {
  const maxNodes = options.maxNodes ?? 2_000_000;
  const { term, rules } = snapshot;
  const from = Math.max(today, 0);
  const width = Math.max(term.days - from, 0);
  const usable = lanes(snapshot.inventory, rules).filter((l) => !laneBroken(snapshot, l));
  const occupied = usable.map((lane) => {
    const row = new Uint8Array(width);
    for (const b of snapshot.bookings) {
      if (b.server !== lane.server || b.gpus[0] !== lane.gpus[0]) continue;
      for (let d = 0; d < width; d++) if (covers(b, from + d)) row[d] = 1;
    }
    return row;
  });
  const teams: TeamState[] = snapshot.teams.map((team) => {
    const usage = usageOf(snapshot, team, today);
    const busy = new Uint8Array(width);
    for (const b of snapshot.bookings) if (b.team === team) for (let d = 0; d < width; d++) if (covers(b, from + d)) busy[d] = 1;
    return { team, remaining: { setup: usage.setup.remaining, experiment: usage.experiment.remaining }, busy };
  });
  const length = rules.lengthDays;
  const demandOf = (t: TeamState) => SLOT_KINDS.reduce((sum, k) => sum + t.remaining[k] * length[k], 0);
  let demand = teams.reduce((s, t) => s + demandOf(t), 0);
  let free = 0;
  for (const row of occupied) for (const cell of row) if (!cell) free++;
  const demandPairDays = demand;
  const freePairDays = free;

  const placed: { team: TeamState; kind: SlotKind; lane: number; day: number }[] = [];
  let best: typeof placed = [];
  let bestCells = -1;
  let placedCells = 0;
  let nodes = 0;
  let exhausted = false;

  const fits = (t: TeamState, lane: number, day: number, days: number) => {
    if (day + days > width) return false;
    for (let d = day; d < day + days; d++) if (occupied[lane][d] || t.busy[d]) return false;
    return true;
  };
  const mark = (t: TeamState, lane: number, day: number, days: number, value: 0 | 1) => {
    for (let d = day; d < day + days; d++) {
      occupied[lane][d] = value;
      t.busy[d] = value;
    }
  };
  /** Days from `day` on when the team is free: it cannot need more than that. */
  const teamCanStillFit = (day: number) =>
    teams.every((t) => {
      let need = demandOf(t);
      if (need === 0) return true;
      for (let d = day; d < width && need > 0; d++) if (!t.busy[d]) need--;
      return need === 0;
    });

  const search = (cell: number, slack: number): boolean => {
    if (++nodes > maxNodes) {
      exhausted = true;
      return false;
    }
    if (placedCells > bestCells) {
      bestCells = placedCells;
      best = [...placed];
    }
    if (demand === 0) return true;
    // The earliest free cell, day by day.
    let c = cell;
    while (c < width * usable.length && occupied[c % usable.length][Math.floor(c / usable.length)]) c++;
    if (c >= width * usable.length) return false;
    const lane = c % usable.length;
    const day = Math.floor(c / usable.length);
    if (lane === 0 && !teamCanStillFit(day)) return false;

    const seen = new Set<string>();
    const order = [...teams].sort((a, b) => demandOf(b) - demandOf(a));
    for (const t of order) {
      if (demandOf(t) === 0 || t.busy[day]) continue;
      const signature = `${t.remaining.setup},${t.remaining.experiment},${Array.from(t.busy.subarray(day)).join('')}`;
      if (seen.has(signature)) continue;
      seen.add(signature);
      for (const kind of [...SLOT_KINDS].reverse()) {
        const days = length[kind];
        if (t.remaining[kind] === 0 || !fits(t, lane, day, days)) continue;
        mark(t, lane, day, days, 1);
        t.remaining[kind]--;
        demand -= days;
        placedCells += days;
        placed.push({ team: t, kind, lane, day });
        if (search(c + 1, slack)) return true;
        placed.pop();
        placedCells -= days;
        demand += days;
        t.remaining[kind]++;
        mark(t, lane, day, days, 0);
        if (exhausted) return false;
      }
    }
    if (slack > 0) {
      occupied[lane][day] = 1;
      const found = search(c + 1, slack - 1);
      occupied[lane][day] = 0;
      if (found) return true;
    }
    return false;
  };

  let found = false;
  if (demand <= free) {
    found = search(0, free - demand);
  } else {
    // More is asked than there is: the answer is no, and a bounded search finds a full placement to show.
    const budget = maxNodes;
    nodes = Math.max(0, budget - 20_000);
    search(0, free);
    exhausted = false;
  }
  const chosen = found ? placed : best;
  const suggestion: SuggestedSlot[] = chosen.map((p) => ({
    team: p.team.team,
    kind: p.kind,
    startDay: from + p.day,
    date: dayDate(term, from + p.day),
    days: length[p.kind],
    server: usable[p.lane].server,
    gpus: usable[p.lane].gpus,
  }));
  suggestion.sort((a, b) => a.startDay - b.startDay || a.server.localeCompare(b.server) || a.gpus[0] - b.gpus[0]);
  return {
    verdict: found ? 'feasible' : exhausted ? 'unknown' : 'infeasible',
    suggestion,
    short: shortfall(snapshot, today, suggestion),
    unusedPairs: unused(snapshot, usable, from, width, suggestion),
    demandPairDays,
    freePairDays,
    nodes,
  };
}

function shortfall(snapshot: CalendarSnapshot, today: number, suggestion: SuggestedSlot[]) {
  const out: FeasibilityReport['short'] = [];
  for (const team of snapshot.teams) {
    const usage = usageOf(snapshot, team, today);
    for (const kind of SLOT_KINDS) {
      const missing = usage[kind].remaining - suggestion.filter((s) => s.team === team && s.kind === kind).length;
      if (missing > 0) out.push({ team, kind, missing });
    }
  }
  return out;
}

function unused(snapshot: CalendarSnapshot, usable: Lane[], from: number, width: number, suggestion: SuggestedSlot[]) {
  const all: Pick<Booking, 'server' | 'gpus' | 'startDay' | 'days'>[] = [...snapshot.bookings, ...suggestion];
  const out: FeasibilityReport['unusedPairs'] = [];
  for (let d = 0; d < width; d++) {
    const day = from + d;
    const pairs = usable.filter((l) => !all.some((b) => b.server === l.server && b.gpus[0] === l.gpus[0] && covers(b, day))).length;
    if (pairs > 0) out.push({ day, date: dayDate(snapshot.term, day), pairs });
  }
  return out;
}

import { inventoryFromLayout } from './inventory';
import { type Booking, type CalendarSnapshot, DEFAULT_SLOT_RULES } from './slot-calendar';

/** A calendar for tests: the course's defaults, teams t1…tN, no bookings. */
export function calendarFixture(overrides: Partial<CalendarSnapshot> & { teamCount?: number } = {}): CalendarSnapshot {
  const { teamCount = 8, ...rest } = overrides;
  return {
    term: { start: '2026-12-01', days: 28, timeZone: 'Europe/Berlin' },
    rules: DEFAULT_SLOT_RULES,
    inventory: inventoryFromLayout('4,2,2'),
    brokenGpus: new Set(),
    teams: Array.from({ length: teamCount }, (_, i) => `t${i + 1}`),
    quotaOverrides: {},
    bookings: [],
    ...rest,
  };
}

export function bookingFixture(b: Partial<Booking> & Pick<Booking, 'team' | 'startDay'>): Booking {
  const kind = b.kind ?? 'experiment';
  return { id: `b-${b.team}-${b.startDay}-${b.server ?? 's1'}-${b.gpus?.[0] ?? 0}`, kind, days: kind === 'setup' ? 1 : 3, server: 's1', gpus: [0, 1], ...b };
}

import { type SlotRecord, type SlotView } from '@gpulab/contracts';
import { brokenGpuKeys, type CalendarSnapshot, dayAt, dayDate, DEFAULT_SLOT_RULES, formatDayStart } from '@gpulab/scheduling';
import { type CalendarStore } from './calendar-store';
import { type TeamDirectory } from './team-directory';

/** The pure core's view of the calendar, built from the stores. */
export function calendarSnapshot(store: CalendarStore, teams: TeamDirectory): CalendarSnapshot {
  return {
    term: store.term,
    rules: DEFAULT_SLOT_RULES,
    inventory: store.inventory,
    brokenGpus: brokenGpuKeys(store.inventory),
    teams: teams.teams(),
    quotaOverrides: store.quotaOverrides(),
    bookings: store.allSlots(),
  };
}

export function today(store: CalendarStore, nowMs: number): number {
  return dayAt(store.term, nowMs);
}

export function slotView(store: CalendarStore, slot: SlotRecord): SlotView {
  const term = store.term;
  return {
    ...slot,
    startDate: dayDate(term, slot.startDay),
    startsAt: formatDayStart(term, slot.startDay),
    endsAt: formatDayStart(term, slot.startDay + slot.days),
  };
}

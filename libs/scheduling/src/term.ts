/** The course's term: slots start at midnight of its time zone. */
export interface Term {
  /** First day, `YYYY-MM-DD`, in `timeZone`. */
  start: string;
  /** Length in days. @default 28 */
  days: number;
  /** IANA time zone, e.g. `Europe/Berlin`. */
  timeZone: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * Checks that `text` is a `YYYY-MM-DD` date that exists: `Date.parse` alone would take
 * 2026-02-30 for March 2nd. The message names what is wrong (the month's last day, say) and
 * quotes at most a short excerpt of the text.
 */
export function checkDate(text: string): void {
  const match = DATE.exec(text);
  const quoted = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
  if (!match) throw new Error(`${quoted} is not a date like 2026-12-01 (YYYY-MM-DD)`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12) throw new Error(`${quoted} is not a date: the month must be 01 to 12`);
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > last) throw new Error(`${quoted} is not a date: ${MONTHS[month - 1]} ${year} has days 01 to ${last}`);
}

export function validateTerm(term: Term): void {
  try {
    checkDate(term.start);
  } catch (error) {
    throw new Error(`term start: ${(error as Error).message}`);
  }
  if (!Number.isInteger(term.days) || term.days < 1 || term.days > 366) throw new Error(`term days: ${term.days} must be a whole number from 1 to 366`);
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: term.timeZone });
  } catch {
    throw new Error(`term time zone: "${term.timeZone}" is not an IANA time zone such as Europe/Berlin`);
  }
}

/** The calendar date `day` days after the term's start, `YYYY-MM-DD`. */
export function dayDate(term: Term, day: number): string {
  const key = `${term.start}|${day}`;
  let date = dayDates.get(key);
  if (date === undefined) {
    const [y, m, d] = term.start.split('-').map(Number);
    date = new Date(Date.UTC(y, m - 1, d + day)).toISOString().slice(0, 10);
    if (dayDates.size >= DAY_START_CACHE) dayDates.clear();
    dayDates.set(key, date);
  }
  return date;
}

const dayDates = new Map<string, string>();

/** The day index of a `YYYY-MM-DD` date (may be outside the term). */
export function dayOfDate(term: Term, date: string): number {
  checkDate(date);
  return Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${term.start}T00:00:00Z`)) / 86_400_000);
}

// A day's midnight never changes: every cycle and submission asks for the same few, so they are
// worked out once (the time-zone arithmetic is most of a submission's cost otherwise).
const dayStarts = new Map<string, number>();
const DAY_START_CACHE = 100_000;

/** The instant (ms since epoch) of midnight starting term day `day`, in the term's time zone. */
export function dayStartMs(term: Term, day: number): number {
  const key = `${term.start}|${term.timeZone}|${day}`;
  let ms = dayStarts.get(key);
  if (ms === undefined) {
    ms = computeDayStartMs(term, day);
    if (dayStarts.size >= DAY_START_CACHE) dayStarts.clear();
    dayStarts.set(key, ms);
  }
  return ms;
}

function computeDayStartMs(term: Term, day: number): number {
  const [y, m, d] = dayDate(term, day).split('-').map(Number);
  const wallAsUtc = Date.UTC(y, m - 1, d);
  // Two rounds settle the offset also on the night a daylight-saving change happens.
  let guess = wallAsUtc - offsetMs(term.timeZone, wallAsUtc);
  guess = wallAsUtc - offsetMs(term.timeZone, guess);
  return guess;
}

/** The term day that contains instant `ms` (negative before the term, ≥ days after it). */
export function dayAt(term: Term, ms: number): number {
  let day = Math.floor((ms - dayStartMs(term, 0)) / 86_400_000);
  while (dayStartMs(term, day + 1) <= ms) day++;
  while (dayStartMs(term, day) > ms) day--;
  return day;
}

// Building an Intl.DateTimeFormat costs far more than using one: one per zone, kept.
const wallClocks = new Map<string, Intl.DateTimeFormat>();
const zoneNames = new Map<string, Intl.DateTimeFormat>();

function cached(cache: Map<string, Intl.DateTimeFormat>, timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  let format = cache.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, ...options });
    cache.set(timeZone, format);
  }
  return format;
}

/** Time zone offset at an instant: local wall time minus UTC, in ms. */
function offsetMs(timeZone: string, ms: number): number {
  const parts = cached(wallClocks, timeZone, {
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(ms / 1000) * 1000;
}

/** `2026-12-03 00:00 CET` — how a slot's start reads in the term's zone. */
export function formatDayStart(term: Term, day: number): string {
  const zone = cached(zoneNames, term.timeZone, { timeZoneName: 'short' })
    .formatToParts(new Date(dayStartMs(term, day)))
    .find((p) => p.type === 'timeZoneName')?.value;
  return `${dayDate(term, day)} 00:00 ${zone ?? term.timeZone}`;
}

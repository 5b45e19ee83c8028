/**
 * How the CLI writes moments and spans: in one time zone (the user's; UTC where none is given,
 * so a rendering does not depend on the machine that runs a test) and, given `now`, relative
 * to it ("5 min ago").
 */
export interface TimeOptions {
  /** An IANA zone, e.g. Europe/Berlin. @default 'UTC' */
  timeZone?: string;
  /** The moment "ago" is counted from; without it nothing is said relative to now. */
  now?: Date;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The date and time of day in the zone, "2026-12-01 09:00:00", and the zone's short name. */
function parts(at: Date, timeZone = 'UTC'): { stamp: string; zone: string } {
  const p = Object.fromEntries(formatterFor(timeZone).formatToParts(at).map((x) => [x.type, x.value]));
  return { stamp: `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`, zone: p.timeZoneName ?? timeZone };
}

/** "2026-12-01 09:00:00" in the zone, for table columns whose zone is said once elsewhere. */
export function tableTime(at: Date | undefined, options: TimeOptions = {}): string {
  return at ? parts(at, options.timeZone).stamp : '-';
}

/** "2026-12-01 09:00:00 CET (5 min ago)": the moment in the zone, and how long ago given `now`. */
export function localTime(at: Date, options: TimeOptions = {}): string {
  const { stamp, zone } = parts(at, options.timeZone);
  return `${stamp} ${zone}${options.now ? ` (${relative(at, options.now)})` : ''}`;
}

/** "5 min ago", "in 2 h 10 min", "just now". */
export function relative(at: Date, now: Date): string {
  const ms = now.getTime() - at.getTime();
  if (Math.abs(ms) < 1000) return 'just now';
  return ms > 0 ? `${duration(ms)} ago` : `in ${duration(-ms)}`;
}

/** A span for people: "0.4 s", "12.4 s", "5 min 3 s", "2 h 10 min", "3 d 4 h". */
export function duration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${Number(s.toFixed(1))} s`;
  const [d, h, m, sec] = [Math.floor(s / 86_400), Math.floor((s % 86_400) / 3600), Math.floor((s % 3600) / 60), Math.floor(s % 60)];
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  return sec > 0 ? `${m} min ${sec} s` : `${m} min`;
}

/** GPU time in hours and minutes, "2 h 05 min", "33 min", "20 s": what 0.0091 GPU-hours means. */
export function hoursAndMinutes(hours: number): string {
  if (hours <= 0) return '0 min';
  const totalMinutes = hours * 60;
  if (totalMinutes < 1) return `${Math.max(1, Math.round(totalMinutes * 60))} s`;
  const rounded = Math.round(totalMinutes);
  const [h, m] = [Math.floor(rounded / 60), rounded % 60];
  return h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min`;
}

/** The time of day to the millisecond in the zone, "09:00:01.250", for a watch's event lines. */
export function clockTime(at: Date | undefined, options: TimeOptions = {}): string {
  if (!at) return '';
  return `${parts(at, options.timeZone).stamp.slice(11)}.${String(at.getUTCMilliseconds()).padStart(3, '0')}`;
}

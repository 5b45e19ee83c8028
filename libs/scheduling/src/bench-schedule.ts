import { type BenchFiring, BenchFiringOutcomes } from '@gpulab/contracts';
import { Cron } from 'croner';

/** When a parsed cron expression fires. */
export interface CronTimes {
  /** The first firing strictly after `afterMs`; undefined when the expression never fires again. */
  next(afterMs: number): number | undefined;
  /** The last firing strictly before `beforeMs`; undefined when there was none. */
  previous(beforeMs: number): number | undefined;
}

/** A cron expression parsed, or why not with the field at fault. */
export type CronParse = { ok: true; times: CronTimes } | { ok: false; field: string; message: string };

/** The fields of a five-field expression; a six-field one has `second` first, as croner reads it. */
const CRON_FIELDS = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;

/** croner's names of the fields in its messages, as ours. */
const CRONER_FIELDS: Record<string, string> = { second: 'second', minute: 'minute', hour: 'hour', day: 'day-of-month', month: 'month', dayOfWeek: 'day-of-week' };

/**
 * Parses a schedule's cron expression with croner in `timeZone` (the term's): five fields, or
 * six with seconds first. Its refusals name the field ("cron: the hour field '25' is out of
 * range"); croner's own message is kept, after the expression, where it names none.
 */
export function parseCron(expression: string, timeZone: string): CronParse {
  const parts = expression.trim().split(/\s+/).filter((p) => p !== '');
  if (parts.length !== 5 && parts.length !== 6) {
    return { ok: false, field: 'cron', message: `cron: '${expression}' has ${parts.length} fields; 5 are needed (minute hour day-of-month month day-of-week), or 6 with seconds first` };
  }
  const names: readonly string[] = parts.length === 6 ? ['second', ...CRON_FIELDS] : CRON_FIELDS;
  let cron: Cron;
  try {
    cron = new Cron(parts.join(' '), { timezone: timeZone, paused: true });
  } catch (error) {
    const message = (error as Error).message.replace(/^CronPattern:\s*/, '');
    const invalid = /^Invalid value for (\w+)/.exec(message);
    const field = invalid ? CRONER_FIELDS[invalid[1]] : undefined;
    const text = field ? parts[names.indexOf(field)] : undefined;
    if (field && text !== undefined) return { ok: false, field: 'cron', message: `cron: the ${field} field '${text}' is out of range` };
    return { ok: false, field: 'cron', message: `cron '${expression}': ${message}` };
  }
  return {
    ok: true,
    times: {
      next: (afterMs) => {
        const at = cron.nextRun(new Date(afterMs));
        return at ? at.getTime() : undefined;
      },
      previous: (beforeMs) => cron.previousRuns(1, new Date(beforeMs))[0]?.getTime(),
    },
  };
}

/** What is due of a schedule at `now`, from the firings after its last recorded one. */
export interface DueFirings {
  /** The latest firing due: carried out now, since its period (until the next firing) has not passed. */
  fire?: { atMs: number; deadlineMs: number };
  /** Earlier due firings nobody carried out (the scheduler was not running): skipped. */
  missed?: { firstMs: number; lastMs: number };
  /** The first firing after now; undefined when there is none. */
  nextMs?: number;
}

/**
 * The firings of a schedule due in (`sinceMs`, `nowMs`]: the latest is fired, the earlier ones
 * were missed. `sinceMs` is the last firing recorded (or the schedule's creation or
 * resumption), so a restart that reads it back neither fires a firing twice nor loses the
 * latest. Found from both ends rather than walked, so a long stop costs no more than a short one.
 */
export function dueFirings(times: CronTimes, sinceMs: number, nowMs: number): DueFirings {
  const nextMs = times.next(nowMs);
  const firstMs = times.next(sinceMs);
  if (firstMs === undefined || firstMs > nowMs) return { nextMs };
  const latest = times.previous(nowMs + 1) ?? firstMs;
  // An expression that never fires again gives its last firing a day.
  const fire = { atMs: latest, deadlineMs: nextMs ?? latest + 86_400_000 };
  if (latest === firstMs) return { fire, nextMs };
  return { fire, missed: { firstMs, lastMs: times.previous(latest) ?? firstMs }, nextMs };
}

/** One job of a firing as the scheduler sees it now. */
export interface FiringJob {
  id: string;
  /** It reached a GPU (scheduled, running or ended); a job never stored counts as not started. */
  started: boolean;
}

/** A submitted firing's new state and the jobs to cancel; undefined while nothing changes. */
export interface FiringSettlement {
  firing: BenchFiring;
  cancel: string[];
}

/**
 * Settles a submitted firing: `started` once every job has reached a GPU; at its deadline (the
 * next firing) the jobs that have not are cancelled and the firing is skipped, since a benchmark
 * never takes a team's slot and waits only for GPUs none holds.
 */
export function settleFiring(firing: BenchFiring, jobs: readonly FiringJob[], nowMs: number, timeZone: string): FiringSettlement | undefined {
  if (firing.outcome !== BenchFiringOutcomes.submitted) return undefined;
  const waiting = firing.jobIds.filter((id) => !jobs.find((j) => j.id === id)?.started);
  if (waiting.length === 0) return { firing: { ...firing, outcome: BenchFiringOutcomes.started }, cancel: [] };
  if (nowMs < Date.parse(firing.deadline)) return undefined;
  const reason = `no GPU free of slots between ${localTime(Date.parse(firing.at), timeZone)} and ${localTime(Date.parse(firing.deadline), timeZone)}`;
  return { firing: { ...firing, outcome: BenchFiringOutcomes.skipped, reason }, cancel: waiting };
}

/** The firing that records missed ones: skipped, naming how many and since when. */
export function missedFiring(missed: NonNullable<DueFirings['missed']>, deadlineMs: number, timeZone: string): BenchFiring {
  const earlier = missed.firstMs < missed.lastMs ? ` (nor at the firings from ${localTime(missed.firstMs, timeZone)})` : '';
  return {
    at: new Date(missed.lastMs).toISOString(),
    deadline: new Date(deadlineMs).toISOString(),
    outcome: BenchFiringOutcomes.skipped,
    jobIds: [],
    reason: `the scheduler was not running at ${localTime(missed.lastMs, timeZone)}${earlier}`,
  };
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** "2026-03-29 03:00 GMT+2": an instant as people of the term's zone read it. */
export function localTime(ms: number, timeZone: string): string {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });
    formats.set(timeZone, format);
  }
  const p = Object.fromEntries(format.formatToParts(new Date(ms)).map((part) => [part.type, part.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${p.timeZoneName}`;
}

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type BenchFiring, BenchFiringOutcomes } from '@gpulab/contracts';
import { type CronTimes, dueFirings, localTime, missedFiring, parseCron, settleFiring } from './bench-schedule';

const BERLIN = 'Europe/Berlin';
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const at = (text: string) => Date.parse(text);

function times(expression: string, zone = BERLIN): CronTimes {
  const parsed = parseCron(expression, zone);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  return parsed.times;
}

/** Fires a schedule as a running scheduler would: a tick at each next firing, from `fromMs`, recording each. */
function firingsOfTicks(cron: CronTimes, fromMs: number, count: number): string[] {
  const fired: string[] = [];
  let since = fromMs;
  let now = cron.next(fromMs) ?? Infinity;
  while (fired.length < count) {
    const due = dueFirings(cron, since, now);
    assert.ok(due.fire, `a firing is due at ${iso(now)}`);
    assert.equal(due.missed, undefined);
    fired.push(iso(due.fire.atMs) as string);
    since = due.fire.atMs;
    now = due.nextMs ?? Infinity;
  }
  return fired;
}

const submitted = (overrides: Partial<BenchFiring> = {}): BenchFiring => ({
  at: '2026-12-03T02:00:00.000Z',
  deadline: '2026-12-04T02:00:00.000Z',
  outcome: BenchFiringOutcomes.submitted,
  jobIds: ['j-a', 'j-b'],
  ...overrides,
});

describe('benchmark schedule cron expressions', () => {
  it('names the field that is out of range and quotes it as written', () => {
    assert.deepEqual(parseCron('0 25 * * *', BERLIN), { ok: false, field: 'cron', message: "cron: the hour field '25' is out of range" });
    assert.deepEqual(parseCron('0 3 32 * *', BERLIN), { ok: false, field: 'cron', message: "cron: the day-of-month field '32' is out of range" });
    assert.deepEqual(parseCron('0 3 * 13 *', BERLIN), { ok: false, field: 'cron', message: "cron: the month field '13' is out of range" });
    assert.deepEqual(parseCron('0 3 * * 8', BERLIN), { ok: false, field: 'cron', message: "cron: the day-of-week field '8' is out of range" });
  });

  it('says how many fields are needed, and keeps the expression with croner’s words for the rest', () => {
    const short = parseCron('0 3 * *', BERLIN);
    assert.ok(!short.ok && /has 4 fields; 5 are needed \(minute hour day-of-month month day-of-week\)/.test(short.message));
    const letters = parseCron('x 3 * * *', BERLIN);
    assert.ok(!letters.ok && letters.message.startsWith("cron 'x 3 * * *': "), letters.ok ? '' : letters.message);
  });

  it('reads the expression in the term’s zone: 03:00 in Berlin is 02:00 UTC in winter', () => {
    assert.equal(iso(times('0 3 * * *').next(at('2026-12-03T00:00:00Z'))), '2026-12-03T02:00:00.000Z');
    assert.equal(iso(times('0 3 * * *', 'UTC').next(at('2026-12-03T00:00:00Z'))), '2026-12-03T03:00:00.000Z');
  });
});

describe('benchmark schedule firings under an injected clock', () => {
  it('fires 02:30 on the spring-forward day at 03:00 summer time, once, and on the next day at 02:30 again', () => {
    const fired = firingsOfTicks(times('30 2 * * *'), at('2026-03-27T12:00:00Z'), 3);
    assert.deepEqual(fired, ['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
    assert.equal(localTime(at('2026-03-29T01:00:00Z'), BERLIN), '2026-03-29 03:00 GMT+2');
  });

  it('fires 02:30 on the fall-back day once, at the first 02:30, though the hour comes twice', () => {
    const fired = firingsOfTicks(times('30 2 * * *'), at('2026-10-23T12:00:00Z'), 3);
    assert.deepEqual(fired, ['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    // The second 02:30 (01:30 UTC) finds the firing recorded and fires nothing.
    assert.equal(dueFirings(times('30 2 * * *'), at('2026-10-25T00:30:00Z'), at('2026-10-25T01:30:00Z')).fire, undefined);
  });

  it('fires nothing before the first instant, and the period of a firing ends at the next one', () => {
    const cron = times('0 3 * * *');
    const before = dueFirings(cron, at('2026-12-03T00:00:00Z'), at('2026-12-03T01:59:59Z'));
    assert.deepEqual({ fire: before.fire, next: iso(before.nextMs) }, { fire: undefined, next: '2026-12-03T02:00:00.000Z' });
    const due = dueFirings(cron, at('2026-12-03T00:00:00Z'), at('2026-12-03T02:00:00Z'));
    assert.deepEqual({ at: iso(due.fire?.atMs), deadline: iso(due.fire?.deadlineMs) }, { at: '2026-12-03T02:00:00.000Z', deadline: '2026-12-04T02:00:00.000Z' });
  });

  it('after a restart within the period, fires nothing the record already holds', () => {
    const cron = times('0 3 * * *');
    // The scheduler fired 03:00, recorded it, and restarted at 03:10: the record is read back.
    assert.equal(dueFirings(cron, at('2026-12-03T02:00:00Z'), at('2026-12-03T02:10:00Z')).fire, undefined);
  });

  it('after a restart, fires a firing missed while it was down once if its period has not passed', () => {
    const cron = times('0 3 * * *');
    const due = dueFirings(cron, at('2026-12-02T12:00:00Z'), at('2026-12-03T09:00:00Z'));
    assert.equal(iso(due.fire?.atMs), '2026-12-03T02:00:00.000Z');
    assert.equal(due.missed, undefined);
  });

  it('after a long stop, fires only the latest firing and records the older ones as skipped because the scheduler was not running', () => {
    const cron = times('0 3 * * *');
    const due = dueFirings(cron, at('2026-12-01T12:00:00Z'), at('2026-12-05T09:00:00Z'));
    assert.equal(iso(due.fire?.atMs), '2026-12-05T02:00:00.000Z');
    assert.deepEqual({ first: iso(due.missed?.firstMs), last: iso(due.missed?.lastMs) }, { first: '2026-12-02T02:00:00.000Z', last: '2026-12-04T02:00:00.000Z' });
    const skipped = missedFiring(due.missed!, due.fire!.atMs, BERLIN);
    assert.equal(skipped.outcome, BenchFiringOutcomes.skipped);
    assert.equal(skipped.reason, 'the scheduler was not running at 2026-12-04 03:00 GMT+1 (nor at the firings from 2026-12-02 03:00 GMT+1)');
  });
});

describe('settling a benchmark schedule firing', () => {
  it('marks the firing started once every job has reached a GPU', () => {
    const settled = settleFiring(submitted(), [{ id: 'j-a', started: true }, { id: 'j-b', started: true }], at('2026-12-03T02:05:00Z'), BERLIN);
    assert.deepEqual(settled, { firing: submitted({ outcome: BenchFiringOutcomes.started }), cancel: [] });
  });

  it('waits while a job is queued within the period', () => {
    assert.equal(settleFiring(submitted(), [{ id: 'j-a', started: true }, { id: 'j-b', started: false }], at('2026-12-04T01:59:59Z'), BERLIN), undefined);
  });

  it('at the next firing, cancels the jobs that never started and skips the firing with the reason', () => {
    const settled = settleFiring(submitted(), [{ id: 'j-a', started: true }, { id: 'j-b', started: false }], at('2026-12-04T02:00:00Z'), BERLIN);
    assert.deepEqual(settled?.cancel, ['j-b']);
    assert.equal(settled?.firing.outcome, BenchFiringOutcomes.skipped);
    assert.equal(settled?.firing.reason, 'no GPU free of slots between 2026-12-03 03:00 GMT+1 and 2026-12-04 03:00 GMT+1');
  });

  it('leaves a firing that has settled alone', () => {
    assert.equal(settleFiring(submitted({ outcome: BenchFiringOutcomes.started }), [], at('2026-12-05T00:00:00Z'), BERLIN), undefined);
  });
});

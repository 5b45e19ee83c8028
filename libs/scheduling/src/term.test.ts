import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkDate, dayAt, dayDate, dayOfDate, dayStartMs, formatDayStart, type Term, validateTerm } from './term';

const term: Term = { start: '2026-10-20', days: 28, timeZone: 'Europe/Berlin' };

describe('term days', () => {
  it('starts each day at midnight of the term time zone, across a daylight-saving change', () => {
    assert.equal(new Date(dayStartMs(term, 0)).toISOString(), '2026-10-19T22:00:00.000Z'); // CEST
    assert.equal(dayDate(term, 6), '2026-10-26');
    assert.equal(new Date(dayStartMs(term, 6)).toISOString(), '2026-10-25T23:00:00.000Z'); // CET after the change
    assert.equal(formatDayStart(term, 6), '2026-10-26 00:00 GMT+1');
  });

  it('maps instants back to their day', () => {
    assert.equal(dayAt(term, Date.parse('2026-10-19T21:59:59Z')), -1);
    assert.equal(dayAt(term, Date.parse('2026-10-19T22:00:00Z')), 0);
    assert.equal(dayAt(term, Date.parse('2026-10-25T23:30:00Z')), 6);
    assert.equal(dayOfDate(term, '2026-11-16'), 27);
  });

  it('names the bad field of a term', () => {
    assert.throws(() => validateTerm({ ...term, start: '20.10.2026' }), /term start/);
    assert.throws(() => validateTerm({ ...term, timeZone: 'Mars/Olympus' }), /IANA time zone/);
    assert.throws(() => validateTerm({ ...term, days: 0 }), /term days/);
  });
});

describe('dates', () => {
  it('takes only dates that exist, naming the last day of the month that does not have the one asked for', () => {
    assert.doesNotThrow(() => checkDate('2028-02-29'));
    assert.throws(() => checkDate('2026-02-30'), /"2026-02-30" is not a date: February 2026 has days 01 to 28/);
    assert.throws(() => checkDate('2026-04-31'), /April 2026 has days 01 to 30/);
    assert.throws(() => checkDate('2026-13-01'), /the month must be 01 to 12/);
    assert.throws(() => checkDate('2026-12-00'), /December 2026 has days 01 to 31/);
    assert.throws(() => checkDate('1.12.2026'), /is not a date like 2026-12-01/);
    assert.throws(() => dayOfDate(term, '2026-02-30'), /February 2026/);
    assert.throws(() => validateTerm({ ...term, start: '2026-02-30' }), /term start: .*February 2026 has days 01 to 28/);
  });

  it('quotes at most a short excerpt of what it refuses', () => {
    const error = (() => {
      try {
        checkDate('x'.repeat(100_000));
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    assert.ok(error.length < 120, error);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSince } from './since-option';
import { UsageError } from './usage-error';

const NOW = new Date('2026-12-03T14:00:00Z');

describe('--since', () => {
  it('counts a span back from now, in seconds, minutes, hours, days or a mix of them', () => {
    assert.equal(parseSince('10m', NOW).toISOString(), '2026-12-03T13:50:00.000Z');
    assert.equal(parseSince('90s', NOW).toISOString(), '2026-12-03T13:58:30.000Z');
    assert.equal(parseSince('1h30m', NOW).toISOString(), '2026-12-03T12:30:00.000Z');
    assert.equal(parseSince('1d', NOW).toISOString(), '2026-12-02T14:00:00.000Z');
  });

  it('takes a moment given as ISO 8601 as it is', () => {
    assert.equal(parseSince('2026-12-03T13:05:00Z', NOW).toISOString(), '2026-12-03T13:05:00.000Z');
    assert.equal(parseSince('2026-12-01', NOW).toISOString(), '2026-12-01T00:00:00.000Z');
  });

  it('refuses a bare number, an unknown unit and a date that does not exist, naming the option', () => {
    for (const bad of ['10', '10 minutes', '5w', 'yesterday', '2026-13-45', '']) {
      assert.throws(() => parseSince(bad, NOW), (e: unknown) => e instanceof UsageError && e.message.startsWith('--since'), bad);
    }
  });
});

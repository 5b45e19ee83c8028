import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { shortTime, teamTable } from './format';

describe('the team listing', () => {
  it("shows a member's token expiry, or that it has expired, and nothing for tokens without one", () => {
    const text = teamTable(
      [
        { name: 'delta', members: ['ada', 'bo', 'cy'], roster: [{ name: 'ada', expiresAt: '' }, { name: 'bo', expiresAt: '2027-04-01T10:00:00.000Z' }, { name: 'cy', expiresAt: '2026-11-30T00:00:00.000Z' }], source: 'tutor' },
        { name: 'demo', members: ['demo'], roster: [], source: 'tokens-file' },
      ],
      new Date('2026-12-01T08:00:00Z'),
    );
    assert.deepEqual(
      text.split('\n').map((line) => line.split(/ {2,}/)),
      [
        ['TEAM', 'MEMBERS', 'FROM'],
        ['delta', 'ada, bo (expires 2027-04-01), cy (expired 2026-11-30)', 'tutor'],
        ['demo', 'demo', 'tokens-file'],
      ],
    );
  });

  it('writes a moment as minutes in UTC', () => {
    assert.equal(shortTime('2027-04-01T10:00:59.000Z'), '2027-04-01 10:00 UTC');
  });
});

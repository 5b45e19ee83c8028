import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isTokenLifetimeMs, MAX_TOKEN_LIFETIME_MS, parseTokenLifetime } from './member-tokens';

describe('a member token lifetime', () => {
  it('reads whole hours and days', () => {
    assert.deepEqual(parseTokenLifetime('12h'), { ok: true, ms: 12 * 3_600_000 });
    assert.deepEqual(parseTokenLifetime(' 30d '), { ok: true, ms: 30 * 86_400_000 });
    assert.deepEqual(parseTokenLifetime('400d'), { ok: true, ms: MAX_TOKEN_LIFETIME_MS });
  });

  it('refuses other forms with an example of a good one', () => {
    for (const text of ['', '30', '1.5d', '2w', 'soon', '-3d']) {
      const parsed = parseTokenLifetime(text);
      assert.equal(parsed.ok, false, text);
      assert.match(!parsed.ok ? parsed.message : '', /e\.g\. 12h, 30d or 120d/);
    }
  });

  it('refuses more than 400 days and less than an hour', () => {
    assert.deepEqual(parseTokenLifetime('401d'), { ok: false, message: 'a token lifetime is at most 400d, not "401d"' });
    assert.deepEqual(parseTokenLifetime('0h'), { ok: false, message: 'a token lifetime is at least 1h, not "0h"' });
  });

  it('does not quote a long input back', () => {
    const parsed = parseTokenLifetime('x'.repeat(10_000));
    assert.equal(parsed.ok, false);
    assert.ok(!parsed.ok && parsed.message.length < 120);
  });

  it('accepts over NATS only what the parser could produce', () => {
    assert.equal(isTokenLifetimeMs(3_600_000), true);
    assert.equal(isTokenLifetimeMs(MAX_TOKEN_LIFETIME_MS + 1), false);
    assert.equal(isTokenLifetimeMs('30d'), false);
    assert.equal(isTokenLifetimeMs(1.5), false);
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { CalendarKeys, ErrorCodes, tokenHash, type TeamRecord, type TokenRecord, TUTORS_TEAM } from '@gpulab/contracts';
import { type JetStreamResources, openJetStreamResources } from '@gpulab/platform';
import { useNatsServer } from '@gpulab/platform/testing';
import { type KV } from '@nats-io/kv';
import { GatewayError } from './errors';
import { newMemberToken } from './member-token';
import { OpenCallGuard } from './open-call-guard';
import { TokenAuthenticator } from './token-authenticator';

const bearer = (token?: string) => {
  const metadata = new Metadata();
  if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
  return metadata;
};

/** A call that never goes away by itself. */
const openCall = { once: () => undefined };

async function refusal(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GatewayError, String(error));
    return error;
  }
  assert.fail('the token was accepted');
}

describe('member tokens at the gateway, looked up in KV', () => {
  const nats = useNatsServer('token-authenticator-test');
  let resources: JetStreamResources;
  let calendar: KV;
  let tokensFile: string;
  const clock = { ms: Date.parse('2026-12-01T08:00:00Z'), now: () => clock.ms };

  /** Stores a member as the scheduler does: the token's record, then the team naming its hash. */
  async function addMember(team: string, member: string, expiresAt?: string): Promise<string> {
    const token = newMemberToken(team);
    const record: TokenRecord = { team, member, ...(expiresAt ? { expiresAt } : {}) };
    await calendar.put(CalendarKeys.token(tokenHash(token)), JSON.stringify(record));
    const entry = await calendar.get(CalendarKeys.team(team));
    const current: TeamRecord = entry && entry.operation === 'PUT' ? entry.json<TeamRecord>() : { name: team, createdAt: '2026-12-01T00:00:00Z', members: [] };
    const members = [...current.members.filter((m) => m.name !== member), { name: member, tokenHash: tokenHash(token), createdAt: '2026-12-01T00:00:00Z', ...(expiresAt ? { expiresAt } : {}) }];
    await calendar.put(CalendarKeys.team(team), JSON.stringify({ ...current, members }));
    return token;
  }

  async function removeFromTeam(team: string, member: string): Promise<void> {
    const current = (await calendar.get(CalendarKeys.team(team)))!.json<TeamRecord>();
    await calendar.put(CalendarKeys.team(team), JSON.stringify({ ...current, members: current.members.filter((m) => m.name !== member) }));
  }

  before(async () => {
    resources = await openJetStreamResources(nats.nc);
    calendar = resources.calendar;
    tokensFile = join(mkdtempSync(join(tmpdir(), 'gpulab-auth-')), 'tokens.json');
    writeFileSync(tokensFile, JSON.stringify({ tutor: 'tutor-token', teams: {} }));
  });

  it('makes tokens of the team name and 24 random bytes, never the same twice', () => {
    const a = newMemberToken('delta');
    assert.match(a, /^delta_[A-Za-z0-9_-]{32}$/);
    assert.notEqual(a, newMemberToken('delta'));
  });

  it('lets a member in until the token expires, then refuses it saying when, without quoting it', async () => {
    const auth = new TokenAuthenticator(tokensFile, calendar, clock);
    const token = await addMember('delta', 'ada', '2026-12-31T08:00:00.000Z');
    assert.deepEqual(await auth.authenticate(bearer(token)), { role: 'member', team: 'delta', name: 'ada' });
    clock.ms = Date.parse('2026-12-31T08:00:00Z');
    const error = await refusal(auth.authenticate(bearer(token)));
    assert.equal(error.code, 'UNAUTHENTICATED');
    assert.match(error.message, /^the token expired on 2026-12-31 08:00 UTC; ask a tutor for a new one/);
    assert.ok(!error.message.includes(token));
    clock.ms = Date.parse('2026-12-01T08:00:00Z');
  });

  it('refuses a token whose record is left over but that the team record no longer names', async () => {
    const auth = new TokenAuthenticator(tokensFile, calendar, clock);
    const old = await addMember('delta', 'bo');
    const fresh = await addMember('delta', 'bo'); // a rotation whose old record was not deleted
    assert.equal((await auth.authenticate(bearer(fresh))).name, 'bo');
    const error = await refusal(auth.authenticate(bearer(old)));
    assert.equal(error.code, 'UNAUTHENTICATED');
    assert.match(error.message, /the token is not valid/);
  });

  it('lets an open call see a revocation after 2 s, while new calls may trust a lookup for 5 s', async () => {
    const auth = new TokenAuthenticator(tokensFile, calendar, clock);
    const token = await addMember('delta', 'cy');
    await auth.authenticate(bearer(token));
    await removeFromTeam('delta', 'cy');
    clock.ms += 2500;
    assert.equal((await auth.authenticate(bearer(token))).name, 'cy');
    const error = await refusal(auth.recheck(bearer(token)));
    assert.match(error.message, /^the token was revoked/);
    clock.ms = Date.parse('2026-12-01T08:00:00Z');
  });

  it('ends a guarded call within 5 s of the member\'s removal, even while the call waits', async () => {
    const auth = new TokenAuthenticator(tokensFile, calendar);
    const token = await addMember('delta', 'dee');
    const guard = new OpenCallGuard(auth);
    let signal: AbortSignal | undefined;
    const running = guard.run(bearer(token), openCall, (s) => {
      signal = s;
      return new Promise<never>(() => undefined); // a watch with nothing to say, or a stalled upload
    });
    await new Promise((r) => setTimeout(r, 2500));
    const removedAt = Date.now();
    await removeFromTeam('delta', 'dee');
    const error = await refusal(running);
    assert.equal(error.code, 'UNAUTHENTICATED');
    assert.match(error.message, /the token was revoked/);
    assert.ok(Date.now() - removedAt <= 5000, `ended ${Date.now() - removedAt} ms after the removal`);
    assert.equal(signal?.aborted, true);
  });

  it('lets a guarded call with a valid token finish with its own result', async () => {
    const auth = new TokenAuthenticator(tokensFile, calendar);
    const token = await addMember('delta', 'eve');
    const guard = new OpenCallGuard(auth, 50);
    const result = await guard.run(bearer(token), openCall, async () => {
      await new Promise((r) => setTimeout(r, 300));
      return 'done';
    });
    assert.equal(result, 'done');
  });
});

const refusedWith = (code: string, message: RegExp) => (error: unknown) => error instanceof GatewayError && error.code === code && message.test(error.message);

describe('TokenAuthenticator with a tokens file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpulab-token-authenticator-'));
  const file = join(dir, 'tokens.json');
  writeFileSync(file, JSON.stringify({ tutor: 'tutor-token', teams: { alpha: 'alpha-token', [TUTORS_TEAM]: 'tutors-team-token', gateway: 'gateway-team-token' } }));
  const auth = new TokenAuthenticator(file);

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('knows the tutor and the teams of the file', async () => {
    assert.deepEqual(await auth.authenticate(bearer('tutor-token')), { role: 'tutor', name: 'tutor' });
    assert.deepEqual(await auth.authenticate(bearer('alpha-token')), { role: 'member', team: 'alpha', name: 'alpha' });
  });

  it("refuses the token of a team named like the tutors, whose jobs and uploads it would reach, and says who must fix it", async () => {
    await assert.rejects(auth.authenticate(bearer('tutors-team-token')), refusedWith(ErrorCodes.permissionDenied, /team "tutors" of the tokens file has a name reserved.*a tutor must rename it/));
    await assert.rejects(auth.authenticate(bearer('gateway-team-token')), refusedWith(ErrorCodes.permissionDenied, /team "gateway"/));
  });

  it('refuses no token, a malformed header and an unknown token as UNAUTHENTICATED', async () => {
    await assert.rejects(auth.authenticate(bearer()), refusedWith(ErrorCodes.unauthenticated, /no token/));
    const malformed = new Metadata();
    malformed.set('authorization', 'Basic abc');
    await assert.rejects(auth.authenticate(malformed), refusedWith(ErrorCodes.unauthenticated, /must be "Bearer <token>"/));
    await assert.rejects(auth.authenticate(bearer('alpha-tokenx')), refusedWith(ErrorCodes.unauthenticated, /not valid/));
  });
});

describe('a tokens file a tutor breaks while editing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpulab-broken-tokens-'));
  const file = join(dir, 'tokens.json');
  const problems: string[] = [];
  const auth = new TokenAuthenticator(file, undefined, undefined, (problem) => problems.push(problem));

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the last good version in force and says where the mistake is, without quoting a token', async () => {
    writeFileSync(file, JSON.stringify({ tutor: 'tutor-token', teams: { alpha: 'alpha-token' } }));
    assert.equal((await auth.authenticate(bearer('alpha-token'))).team, 'alpha');
    // A trailing comma on the third line, as a hand edit leaves it.
    writeFileSync(file, '{\n  "tutor": "tutor-token",\n  "teams": {"alpha": "alpha-token", "beta": "beta-token",}\n}\n');
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    assert.equal((await auth.authenticate(bearer('alpha-token'))).team, 'alpha');
    await assert.rejects(auth.authenticate(bearer('beta-token')), refusedWith(ErrorCodes.unauthenticated, /not valid/));
    assert.equal(problems.length, 1);
    assert.match(problems[0], /not valid JSON at line 3, column \d+.*the last good version stays in force/);
    assert.ok(!problems[0].includes('alpha-token'));
    await auth.authenticate(bearer('alpha-token'));
    assert.equal(problems.length, 1, 'the same broken file is reported once');
  });
});

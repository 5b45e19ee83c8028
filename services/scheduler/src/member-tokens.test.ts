import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CalendarKeys, type Caller, type MemberTokenReply, type Reply, SchedulerSubjects, type TeamRecord, type TeamView, tokenHash, type TokenRecord } from '@gpulab/contracts';
import { type JetStreamResources } from '@gpulab/platform';
import { ReportingLauncher } from './testing/reporting-launcher';
import { type SchedulerApp, startSchedulerApp } from './testing/scheduler-app';

const tutor: Caller = { role: 'tutor', name: 'tutor' };
const NOW = new Date('2026-12-01T08:00:00Z');
const DAY_MS = 86_400_000;

describe('member tokens in the scheduler: only hashes arrive, and the team record decides', () => {
  let scheduler: SchedulerApp;
  let resources: JetStreamResources;
  const send = <T>(subject: string, body: unknown): Promise<Reply<T>> => scheduler.send<T>(subject, body);
  const request = <T>(subject: string, body: unknown): Promise<T> => scheduler.request<T>(subject, body);
  async function stored<T>(key: string): Promise<T | undefined> {
    const entry = await resources.calendar.get(key);
    return entry && entry.operation === 'PUT' ? entry.json<T>() : undefined;
  }

  before(async () => {
    scheduler = await startSchedulerApp({
      name: 'member-tokens',
      tokens: { tutor: 'x', teams: { filed: 'f' } },
      options: { termStart: '2026-12-01', timeZone: 'UTC', logLevel: 'warn' },
      clock: { now: () => NOW },
      launcher: (r) => new ReportingLauncher(r.js, 5),
    });
    ({ resources } = scheduler);
    await request(SchedulerSubjects.createTeam, { caller: tutor, team: 'delta' });
  });

  after(() => scheduler?.close());

  it('stores the hash it is given with the expiry its lifetime gives, and answers without a token', async () => {
    const hash = tokenHash('delta_ada-token');
    const reply = await request<MemberTokenReply>(SchedulerSubjects.addMember, { caller: tutor, team: 'delta', member: 'ada', tokenHash: hash, lifetimeMs: 30 * DAY_MS });
    assert.deepEqual(reply, { team: 'delta', member: 'ada', expiresAt: '2026-12-31T08:00:00.000Z' });
    assert.deepEqual(await stored<TokenRecord>(CalendarKeys.token(hash)), { team: 'delta', member: 'ada', expiresAt: '2026-12-31T08:00:00.000Z' });
    const team = await stored<TeamRecord>(CalendarKeys.team('delta'));
    assert.deepEqual(team?.members, [{ name: 'ada', tokenHash: hash, createdAt: NOW.toISOString(), expiresAt: '2026-12-31T08:00:00.000Z' }]);
    const [listed] = (await request<TeamView[]>(SchedulerSubjects.teams, { caller: tutor })).filter((t) => t.name === 'delta');
    assert.deepEqual(listed.roster, [{ name: 'ada', expiresAt: '2026-12-31T08:00:00.000Z' }]);
  });

  it('rotates: the new record is written, the team names the new hash, the old record is gone', async () => {
    const old = tokenHash('delta_bo-old');
    const fresh = tokenHash('delta_bo-new');
    await request(SchedulerSubjects.addMember, { caller: tutor, team: 'delta', member: 'bo', tokenHash: old, lifetimeMs: 10 * DAY_MS });
    const reply = await request<MemberTokenReply>(SchedulerSubjects.rotateMember, { caller: tutor, team: 'delta', member: 'bo', tokenHash: fresh });
    assert.deepEqual(reply, { team: 'delta', member: 'bo' });
    assert.equal(await stored(CalendarKeys.token(old)), undefined);
    assert.deepEqual(await stored<TokenRecord>(CalendarKeys.token(fresh)), { team: 'delta', member: 'bo' });
    const bo = (await stored<TeamRecord>(CalendarKeys.team('delta')))?.members.find((m) => m.name === 'bo');
    assert.equal(bo?.tokenHash, fresh);
    assert.equal(bo?.expiresAt, undefined);
  });

  it('leaves the old token in force and no new record behind when the team record cannot be written', async () => {
    const old = (await stored<TeamRecord>(CalendarKeys.team('delta')))!.members.find((m) => m.name === 'ada')!.tokenHash;
    // Another writer changes the team record, so the scheduler's revision-checked write fails.
    const team = (await stored<TeamRecord>(CalendarKeys.team('delta')))!;
    await resources.calendar.put(CalendarKeys.team('delta'), JSON.stringify(team));
    const fresh = tokenHash('delta_ada-new');
    const reply = await send(SchedulerSubjects.rotateMember, { caller: tutor, team: 'delta', member: 'ada', tokenHash: fresh });
    assert.equal(reply.ok, false);
    assert.equal(await stored(CalendarKeys.token(fresh)), undefined);
    assert.ok(await stored(CalendarKeys.token(old)));
    assert.equal((await stored<TeamRecord>(CalendarKeys.team('delta')))!.members.find((m) => m.name === 'ada')!.tokenHash, old);
  });

  it('refuses a bad hash, a bad lifetime, an unknown member, an unknown team and a tokens-file team', async () => {
    // The scheduler is still behind the write of the last test; a restart would reload it, a
    // fresh team avoids the stale revision here.
    await request(SchedulerSubjects.createTeam, { caller: tutor, team: 'echo' });
    await request(SchedulerSubjects.addMember, { caller: tutor, team: 'echo', member: 'cy', tokenHash: tokenHash('echo_cy') });
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      [SchedulerSubjects.addMember, { team: 'echo', member: 'dee', tokenHash: 'delta_clear-token' }, 'INVALID_ARGUMENT', /token hash must be 64 lowercase hex digits/],
      [SchedulerSubjects.addMember, { team: 'echo', member: 'dee', tokenHash: tokenHash('a'), lifetimeMs: 401 * DAY_MS }, 'INVALID_ARGUMENT', /from 1 hour to 400 days/],
      [SchedulerSubjects.rotateMember, { team: 'echo', member: 'zed', tokenHash: tokenHash('b') }, 'NOT_FOUND', /zed is not in team echo; members: cy/],
      [SchedulerSubjects.rotateMember, { team: 'omega', member: 'cy', tokenHash: tokenHash('c') }, 'NOT_FOUND', /there is no team "omega"/],
      [SchedulerSubjects.rotateMember, { team: 'filed', member: 'filed', tokenHash: tokenHash('d') }, 'FAILED_PRECONDITION', /defined in the tokens file/],
      [SchedulerSubjects.rotateMember, { team: 'echo', member: 'cy', tokenHash: tokenHash('echo_cy') }, 'INVALID_ARGUMENT', /must differ/],
    ];
    for (const [subject, body, code, message] of cases) {
      const reply = await send(subject, { caller: tutor, ...body });
      assert.equal(reply.ok, false, JSON.stringify(body));
      if (!reply.ok) {
        assert.equal(reply.error.code, code, reply.error.message);
        assert.match(reply.error.message, message);
      }
    }
    const member: Caller = { role: 'member', team: 'echo', name: 'cy' };
    const denied = await send(SchedulerSubjects.rotateMember, { caller: member, team: 'echo', member: 'cy', tokenHash: tokenHash('e') });
    assert.equal(denied.ok ? '' : denied.error.code, 'PERMISSION_DENIED');
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canSee, isTutor, scopeTeam, teamOf } from './access';
import { type Caller, TUTORS_TEAM } from './commands';

const tutor: Caller = { role: 'tutor', name: 'tess' };
const member = (team?: string): Caller => ({ role: 'member', team, name: 'mo' });
const refusals = {
  otherTeam: (team: string) => new Error(`not team ${team}`),
  noTeam: () => new Error('no team'),
};

describe('access: who sees which team', () => {
  it('knows a tutor by the role, whether of a caller or of the job one submitted', () => {
    assert.equal(isTutor(tutor), true);
    assert.equal(isTutor(member('alpha')), false);
    assert.equal(isTutor({ role: 'tutor' }), true);
  });

  it('lets a member see only their own team, and a tutor every team', () => {
    assert.equal(canSee(member('alpha'), 'alpha'), true);
    assert.equal(canSee(member('alpha'), 'beta'), false);
    assert.equal(canSee(member(), 'beta'), false);
    assert.equal(canSee(tutor, 'beta'), true);
  });

  it('counts a tutor against the tutors team and a member against their own, and refuses a member without a team', () => {
    assert.equal(teamOf(tutor, refusals.noTeam), TUTORS_TEAM);
    assert.equal(teamOf(member('alpha'), refusals.noTeam), 'alpha');
    assert.throws(() => teamOf(member(), refusals.noTeam), /no team/);
    assert.throws(() => teamOf(member(''), refusals.noTeam), /no team/);
  });

  it('shows a tutor the team asked for, or every team when none is', () => {
    assert.equal(scopeTeam(tutor, 'beta', refusals), 'beta');
    assert.equal(scopeTeam(tutor, '', refusals), undefined);
    assert.equal(scopeTeam(tutor, undefined, refusals), undefined);
  });

  it('shows a member their own team whether or not they name it, and refuses another naming the team asked for', () => {
    assert.equal(scopeTeam(member('alpha'), '', refusals), 'alpha');
    assert.equal(scopeTeam(member('alpha'), 'alpha', refusals), 'alpha');
    assert.throws(() => scopeTeam(member('alpha'), 'beta', refusals), /not team beta/);
    assert.throws(() => scopeTeam(member(), undefined, refusals), /no team/);
  });
});

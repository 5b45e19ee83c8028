import { type Caller, TUTORS_TEAM } from './commands';

/**
 * What a refusal says is each service's own (its error class, its wording); these make them.
 * Both services refuse the same cases, so the cases are decided here once.
 */
export interface AccessRefusals {
  /** A member asked for another team's records; `team` is the one asked for. */
  otherTeam: (team: string) => Error;
  /** A member token that names no team: gpulab issues none, but a record must never go teamless. */
  noTeam: () => Error;
}

/** Whether `who` (a caller, or a job by the role of whoever submitted it) is a tutor's: tutors see and act for every team. */
export function isTutor(who: Pick<Caller, 'role'>): boolean {
  return who.role === 'tutor';
}

/** Whether the caller may see what belongs to `team`: their own team's, or anything for a tutor. */
export function canSee(caller: Caller, team: string): boolean {
  return isTutor(caller) || caller.team === team;
}

/**
 * The team a caller acts as, whose quota and storage what they submit or upload counts against:
 * the tutors' team for a tutor, a member's own team; `noTeam()` is thrown for a member without one.
 */
export function teamOf(caller: Caller, noTeam: AccessRefusals['noTeam']): string {
  if (isTutor(caller)) return TUTORS_TEAM;
  if (!caller.team) throw noTeam();
  return caller.team;
}

/**
 * The team a list call shows, undefined for every team: a tutor sees the team asked for, or all
 * when none is; a member sees their own team, and asking for another is refused.
 */
export function scopeTeam(caller: Caller, requestedTeam: string | undefined, refusals: AccessRefusals): string | undefined {
  if (isTutor(caller)) return requestedTeam || undefined;
  if (requestedTeam && requestedTeam !== caller.team) throw refusals.otherTeam(requestedTeam);
  return teamOf(caller, refusals.noTeam);
}

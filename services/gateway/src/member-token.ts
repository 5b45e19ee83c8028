import { randomBytes } from 'node:crypto';
import { type Caller, type MemberEntry, type TeamRecord, type TokenRecord } from '@gpulab/contracts';

/**
 * A new member token, made here because here is where it is shown: only its hash goes on to
 * the scheduler and the store. 24 random bytes; the team's name in front helps a student who
 * holds several tokens tell them apart.
 */
export function newMemberToken(team: string): string {
  return `${team}_${randomBytes(24).toString('base64url')}`;
}

/** Who a member token stands for, and until when; time is left out so that it can be cached. */
export interface MemberGrant {
  caller: Caller;
  /** ISO-8601; absent: no expiry. */
  expiresAt?: string;
}

/**
 * Whether a token's hash opens anything. The token record says whose it is; the team record
 * decides: it must still name this hash for that member, so that a rotation or a removal
 * (one write of the team record) revokes the token even if its record outlives it.
 */
export function grantOf(hash: string, token: TokenRecord | undefined, team: TeamRecord | undefined): MemberGrant | undefined {
  if (!token || !team || team.name !== token.team) return undefined;
  const entry: MemberEntry | undefined = team.members.find((m) => m.name === token.member);
  if (!entry || entry.tokenHash !== hash) return undefined;
  const expiresAt = token.expiresAt ?? entry.expiresAt;
  return { caller: { role: 'member', team: team.name, name: entry.name }, ...(expiresAt ? { expiresAt } : {}) };
}

/** True once a grant's expiry has passed; a date that does not parse counts as passed. */
export function isExpired(grant: MemberGrant, nowMs: number): boolean {
  if (grant.expiresAt === undefined) return false;
  const at = Date.parse(grant.expiresAt);
  return !Number.isFinite(at) || at <= nowMs;
}

/** "2027-04-01 10:00 UTC": how a message names the moment a token expired. */
export function expiryText(expiresAt: string): string {
  const at = new Date(expiresAt);
  return Number.isFinite(at.getTime()) ? `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'an unknown date';
}

import { statSync } from 'node:fs';
import { type Metadata } from '@grpc/grpc-js';
import { CalendarKeys, type Caller, ErrorCodes, ErrorReasons, quoteInput, RESERVED_TEAM_NAMES, type TeamRecord, tokenHash, type TokenRecord, type TokensFile } from '@gpulab/contracts';
import { type KV } from '@nats-io/kv';
import { readTokensFile } from '@gpulab/platform';
import { type Clock, systemClock } from './clock';
import { GatewayError } from './errors';
import { expiryText, grantOf, isExpired, type MemberGrant } from './member-token';

/** How long a member token found in KV is trusted by a new call before it is looked up again. */
const MEMBER_CACHE_MS = 5000;
/**
 * How old a lookup an open call's re-check accepts. With re-checks every OPEN_CALL_RECHECK_MS
 * (open-call-guard.ts), an open call learns of a revocation within twice this, under 5 s.
 */
export const OPEN_CALL_LOOKUP_MS = 2000;

/**
 * Resolves the bearer token of a call to a caller: the tokens file (tutor and its teams, re-read
 * when it changes) or a member token that a tutor created, found by its hash in KV.
 */
export class TokenAuthenticator {
  private byToken = new Map<string, Caller>();
  /** Tokens of tokens-file teams with a reserved name, and those names. */
  private reserved = new Map<string, string>();
  private loadedMtimeMs = -1;
  private readonly members = new Map<string, { grant?: MemberGrant; at: number }>();

  constructor(
    private readonly tokensFile: string,
    private readonly calendar?: KV,
    private readonly clock: Clock = systemClock,
    /** Told when the tokens file cannot be read (with its line and column), once per change of the file. */
    private readonly onProblem: (message: string) => void = () => undefined,
  ) {}

  /** A new call's caller; a member token's lookup may be up to 5 s old. */
  authenticate(metadata: Metadata): Promise<Caller> {
    return this.resolve(metadata, MEMBER_CACHE_MS, 'the token is not valid: check GPULAB_TOKEN');
  }

  /** An open call's token checked again: refused once it was revoked, rotated or expired. */
  recheck(metadata: Metadata): Promise<Caller> {
    return this.resolve(metadata, OPEN_CALL_LOOKUP_MS, 'the token was revoked (its member was removed or given a new token), so this call ended; ask a tutor for your current token');
  }

  /**
   * The caller of a token known without a lookup: one of the tokens file, or a member token
   * looked up in the last 5 s and still valid. Lets known members in from an address whose
   * failed calls are being held back, at no cost to KV.
   */
  knownCaller(metadata: Metadata): Caller | undefined {
    const match = /^Bearer\s+(\S+)$/i.exec(String(metadata.get('authorization')[0] ?? ''));
    if (!match) return undefined;
    this.reloadIfChanged();
    const known = this.byToken.get(match[1]);
    if (known) return known;
    const cached = this.members.get(tokenHash(match[1]));
    const now = this.clock.now();
    if (!cached?.grant || now - cached.at >= MEMBER_CACHE_MS || isExpired(cached.grant, now)) return undefined;
    return cached.grant.caller;
  }

  private async resolve(metadata: Metadata, maxAgeMs: number, unknown: string): Promise<Caller> {
    const header = metadata.get('authorization')[0];
    if (header === undefined) {
      throw new GatewayError(ErrorCodes.unauthenticated, 'no token: set GPULAB_TOKEN (metadata "authorization: Bearer <token>")', { reason: ErrorReasons.tokenMissing });
    }
    const match = /^Bearer\s+(\S+)$/i.exec(String(header));
    if (!match) throw new GatewayError(ErrorCodes.unauthenticated, 'the authorization header must be "Bearer <token>"', { reason: ErrorReasons.tokenMissing });
    this.reloadIfChanged();
    const reservedTeam = this.reserved.get(match[1]);
    if (reservedTeam !== undefined) {
      throw new GatewayError(ErrorCodes.permissionDenied, `team ${quoteInput(reservedTeam)} of the tokens file has a name reserved for gpulab's own use; a tutor must rename it there`, { reason: ErrorReasons.reservedName });
    }
    const known = this.byToken.get(match[1]);
    if (known) return known;
    const grant = await this.member(match[1], maxAgeMs);
    if (!grant) throw new GatewayError(ErrorCodes.unauthenticated, unknown, { reason: ErrorReasons.tokenUnknown });
    if (isExpired(grant, this.clock.now())) {
      // The token itself is never quoted: messages end up in logs and terminals.
      throw new GatewayError(ErrorCodes.unauthenticated, `the token expired on ${expiryText(grant.expiresAt ?? '')}; ask a tutor for a new one (gpulab admin members rotate TEAM MEMBER)`, { reason: ErrorReasons.tokenExpired });
    }
    return grant.caller;
  }

  private async member(token: string, maxAgeMs: number): Promise<MemberGrant | undefined> {
    if (!this.calendar) return undefined;
    const hash = tokenHash(token);
    const cached = this.members.get(hash);
    const now = this.clock.now();
    if (cached && now - cached.at < maxAgeMs) return cached.grant;
    const record = await this.read<TokenRecord>(CalendarKeys.token(hash));
    const team = record ? await this.read<TeamRecord>(CalendarKeys.team(record.team)) : undefined;
    const grant = grantOf(hash, record, team);
    if (this.members.size > 10_000) this.members.clear();
    this.members.set(hash, { grant, at: now });
    return grant;
  }

  private async read<T>(key: string): Promise<T | undefined> {
    const entry = await this.calendar?.get(key);
    return entry && entry.operation === 'PUT' ? entry.json<T>() : undefined;
  }

  private reloadIfChanged(): void {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.tokensFile).mtimeMs;
    } catch {
      this.byToken = new Map();
      this.reserved = new Map();
      return;
    }
    if (mtimeMs === this.loadedMtimeMs) return;
    this.loadedMtimeMs = mtimeMs;
    let tokens: TokensFile;
    try {
      tokens = readTokensFile(this.tokensFile);
    } catch (error) {
      // A tutor's typo must not lock everyone out: the last good version stays in force.
      this.onProblem((error as Error).message + (this.byToken.size > 0 ? '; the last good version stays in force' : ''));
      return;
    }
    const next = new Map<string, Caller>([[tokens.tutor, { role: 'tutor', name: 'tutor' }]]);
    const reserved = new Map<string, string>();
    for (const [team, token] of Object.entries(tokens.teams)) {
      // Tutors' jobs and uploads belong to team "tutors": a tokens-file team of that name would reach them.
      if (RESERVED_TEAM_NAMES.includes(team)) reserved.set(token, team);
      else next.set(token, { role: 'member', team, name: team });
    }
    this.byToken = next;
    this.reserved = reserved;
  }
}

import { statSync } from 'node:fs';
import { type Metadata } from '@grpc/grpc-js';
import { CalendarKeys, type Caller, ErrorCodes, RESERVED_TEAM_NAMES, tokenHash, type TokenRecord } from '@gpulab/contracts';
import { type KV } from '@nats-io/kv';
import { readTokensFile } from '@gpulab/platform';
import { GatewayError } from './errors';

/** How long a member token found in KV is trusted before it is looked up again (revocation delay). */
const MEMBER_CACHE_MS = 5000;

/**
 * Resolves the bearer token of a call to a caller: the tokens file (tutor and its teams, re-read
 * when it changes) or a member token that a tutor created, found by its hash in KV.
 */
export class TokenAuthenticator {
  private byToken = new Map<string, Caller>();
  /** Tokens of tokens-file teams with a reserved name, and those names. */
  private reserved = new Map<string, string>();
  private loadedMtimeMs = -1;
  private readonly members = new Map<string, { caller?: Caller; until: number }>();

  constructor(
    private readonly tokensFile: string,
    private readonly calendar?: KV,
  ) {}

  async authenticate(metadata: Metadata): Promise<Caller> {
    const header = metadata.get('authorization')[0];
    if (header === undefined) {
      throw new GatewayError(ErrorCodes.unauthenticated, 'no token: set GPULAB_TOKEN (metadata "authorization: Bearer <token>")');
    }
    const match = /^Bearer\s+(\S+)$/i.exec(String(header));
    if (!match) throw new GatewayError(ErrorCodes.unauthenticated, 'the authorization header must be "Bearer <token>"');
    this.reloadIfChanged();
    const reservedTeam = this.reserved.get(match[1]);
    if (reservedTeam !== undefined) {
      throw new GatewayError(ErrorCodes.permissionDenied, `team "${reservedTeam}" of the tokens file has a name reserved for gpulab's own use; a tutor must rename it there`);
    }
    const caller = this.byToken.get(match[1]) ?? (await this.member(match[1]));
    if (!caller) throw new GatewayError(ErrorCodes.unauthenticated, 'the token is not valid: check GPULAB_TOKEN');
    return caller;
  }

  private async member(token: string): Promise<Caller | undefined> {
    if (!this.calendar) return undefined;
    const hash = tokenHash(token);
    const cached = this.members.get(hash);
    if (cached && cached.until > Date.now()) return cached.caller;
    const entry = await this.calendar.get(CalendarKeys.token(hash));
    const record = entry && entry.operation === 'PUT' ? entry.json<TokenRecord>() : undefined;
    const caller: Caller | undefined = record ? { role: 'member', team: record.team, name: record.member } : undefined;
    if (this.members.size > 10_000) this.members.clear();
    this.members.set(hash, { caller, until: Date.now() + MEMBER_CACHE_MS });
    return caller;
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
    const tokens = readTokensFile(this.tokensFile);
    const next = new Map<string, Caller>([[tokens.tutor, { role: 'tutor', name: 'tutor' }]]);
    const reserved = new Map<string, string>();
    for (const [team, token] of Object.entries(tokens.teams)) {
      // Tutors' jobs and uploads belong to team "tutors": a tokens-file team of that name would reach them.
      if (RESERVED_TEAM_NAMES.includes(team)) reserved.set(token, team);
      else next.set(token, { role: 'member', team, name: team });
    }
    this.byToken = next;
    this.reserved = reserved;
    this.loadedMtimeMs = mtimeMs;
  }
}

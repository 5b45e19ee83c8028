import { statSync } from 'node:fs';
import { type Metadata } from '@grpc/grpc-js';
import { type Caller, ErrorCodes } from '@gpulab/contracts';
import { readTokensFile } from '@gpulab/platform';
import { GatewayError } from './errors';

/**
 * Resolves the bearer token of a call to a caller. The tokens file is re-read when it changes,
 * so adding a team does not need a restart.
 */
export class TokenAuthenticator {
  private byToken = new Map<string, Caller>();
  private loadedMtimeMs = -1;

  constructor(private readonly tokensFile: string) {}

  authenticate(metadata: Metadata): Caller {
    const header = metadata.get('authorization')[0];
    if (header === undefined) {
      throw new GatewayError(ErrorCodes.unauthenticated, 'no token: set GPULAB_TOKEN (metadata "authorization: Bearer <token>")');
    }
    const match = /^Bearer\s+(\S+)$/i.exec(String(header));
    if (!match) throw new GatewayError(ErrorCodes.unauthenticated, 'the authorization header must be "Bearer <token>"');
    this.reloadIfChanged();
    const caller = this.byToken.get(match[1]);
    if (!caller) throw new GatewayError(ErrorCodes.unauthenticated, 'the token is not valid: check GPULAB_TOKEN');
    return caller;
  }

  private reloadIfChanged(): void {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.tokensFile).mtimeMs;
    } catch {
      this.byToken = new Map();
      return;
    }
    if (mtimeMs === this.loadedMtimeMs) return;
    const tokens = readTokensFile(this.tokensFile);
    const next = new Map<string, Caller>([[tokens.tutor, { role: 'tutor', name: 'tutor' }]]);
    for (const [team, token] of Object.entries(tokens.teams)) next.set(token, { role: 'member', team, name: team });
    this.byToken = next;
    this.loadedMtimeMs = mtimeMs;
  }
}

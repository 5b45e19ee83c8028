import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** `$GPULAB_DATA_DIR/tokens.json`: the local mode's credentials. */
export interface TokensFile {
  tutor: string;
  teams: Record<string, string>;
}

export function tokensFilePath(dataDir: string): string {
  return join(dataDir, 'tokens.json');
}

export function newToken(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

export function readTokensFile(path: string): TokensFile {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<TokensFile>;
  if (typeof parsed.tutor !== 'string' || typeof parsed.teams !== 'object' || parsed.teams === null) {
    throw new Error(`${path}: expected {"tutor": "…", "teams": {"team": "…"}}`);
  }
  return { tutor: parsed.tutor, teams: { ...parsed.teams } };
}

/**
 * Creates the file with a tutor token and one team on first start (mode 0600: the tokens are
 * passwords); an existing file is kept as it is.
 */
export function ensureTokensFile(dataDir: string, firstTeam = 'demo'): { path: string; tokens: TokensFile; created: boolean } {
  const path = tokensFilePath(dataDir);
  if (existsSync(path)) return { path, tokens: readTokensFile(path), created: false };
  mkdirSync(dirname(path), { recursive: true });
  const tokens: TokensFile = { tutor: newToken('tutor'), teams: { [firstTeam]: newToken(firstTeam) } };
  writeFileSync(path, JSON.stringify(tokens, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  return { path, tokens, created: true };
}

import { parseTokensFile, TOKENS_FILE_NAME, type TokensFile } from '@gpulab/contracts';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function tokensFilePath(dataDir: string): string {
  return join(dataDir, TOKENS_FILE_NAME);
}

export function newToken(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

export function readTokensFile(path: string): TokensFile {
  return parseTokensFile(readFileSync(path, 'utf8'), path);
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

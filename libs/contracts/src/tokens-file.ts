/** `$GPULAB_DATA_DIR/tokens.json`: the local mode's credentials, read by gateway and clients. */
export interface TokensFile {
  tutor: string;
  teams: Record<string, string>;
}

export const TOKENS_FILE_NAME = 'tokens.json';

export function parseTokensFile(text: string, path: string): TokensFile {
  const parsed = JSON.parse(text) as Partial<TokensFile>;
  if (typeof parsed.tutor !== 'string' || typeof parsed.teams !== 'object' || parsed.teams === null) {
    throw new Error(`${path}: expected {"tutor": "…", "teams": {"team": "…"}}`);
  }
  return { tutor: parsed.tutor, teams: { ...parsed.teams } };
}

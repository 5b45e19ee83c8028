/** `$GPULAB_DATA_DIR/tokens.json`: the local mode's credentials, read by gateway and clients. */
export interface TokensFile {
  tutor: string;
  teams: Record<string, string>;
}

export const TOKENS_FILE_NAME = 'tokens.json';

const SHAPE = 'expected {"tutor": "…", "teams": {"team": "…"}}';

/**
 * Parses the tokens file; a mistake is named with its line and column (JSON) or the field at
 * fault, and never quotes a token.
 */
export function parseTokensFile(text: string, path: string): TokensFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON${jsonErrorPlace(text, (error as Error).message)}; ${SHAPE}`);
  }
  const file = parsed as Partial<TokensFile> | null;
  if (!file || typeof file !== 'object' || typeof file.tutor !== 'string' || !file.tutor || typeof file.teams !== 'object' || file.teams === null || Array.isArray(file.teams)) {
    throw new Error(`${path}: ${SHAPE}`);
  }
  for (const [team, token] of Object.entries(file.teams)) {
    if (typeof token !== 'string' || !token) throw new Error(`${path}: the token of team ${JSON.stringify(team.slice(0, 40))} must be a non-empty string`);
  }
  return { tutor: file.tutor, teams: { ...file.teams } };
}

/** " at line L, column C" from a JSON.parse message's position, or "" when it names none. */
export function jsonErrorPlace(text: string, message: string): string {
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn) return ` at line ${lineColumn[1]}, column ${lineColumn[2]}`;
  const position = /position (\d+)/.exec(message);
  if (!position) return message.includes('end of JSON') ? ' (it ends too early)' : '';
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return ` at line ${line}, column ${column}`;
}

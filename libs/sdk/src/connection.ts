import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTokensFile, TOKENS_FILE_NAME } from '@gpulab/contracts';

export interface ConnectionSettings {
  /** host:port of the gateway. */
  address: string;
  token?: string;
  /** Where the token came from, for messages. */
  tokenSource: string;
}

export const DEFAULT_ADDRESS = 'localhost:50051';

/**
 * `GPULAB_ADDR` and `GPULAB_TOKEN`; without a token, the local stack's demo team token from
 * `$GPULAB_DATA_DIR/tokens.json` (default ./.gpulab), so a newcomer can submit at once.
 */
export function connectionFromEnv(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ConnectionSettings {
  const address = env.GPULAB_ADDR || DEFAULT_ADDRESS;
  if (env.GPULAB_TOKEN) return { address, token: env.GPULAB_TOKEN, tokenSource: 'GPULAB_TOKEN' };
  const file = join(env.GPULAB_DATA_DIR || join(cwd, '.gpulab'), TOKENS_FILE_NAME);
  if (existsSync(file)) {
    const demo = parseTokensFile(readFileSync(file, 'utf8'), file).teams.demo;
    if (demo) return { address, token: demo, tokenSource: `${file} (team demo)` };
  }
  return { address, tokenSource: 'none' };
}

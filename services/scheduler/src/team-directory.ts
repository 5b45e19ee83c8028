import { statSync } from 'node:fs';
import { readTokensFile } from '@gpulab/platform';

/**
 * The course's teams. For now they are the teams of the tokens file, re-read when it changes;
 * tutor-managed teams in KV replace this.
 */
export class TeamDirectory {
  private cached: string[] = [];
  private mtimeMs = -1;

  constructor(private readonly tokensFile: string | undefined) {}

  teams(): string[] {
    if (!this.tokensFile) return this.cached;
    try {
      const mtimeMs = statSync(this.tokensFile).mtimeMs;
      if (mtimeMs !== this.mtimeMs) {
        this.cached = Object.keys(readTokensFile(this.tokensFile).teams).sort();
        this.mtimeMs = mtimeMs;
      }
    } catch {
      // No file yet: no teams.
    }
    return this.cached;
  }
}

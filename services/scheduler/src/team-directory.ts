import { statSync } from 'node:fs';
import { readTokensFile } from '@gpulab/platform';
import { type CalendarStore } from './calendar-store';

/** The course's teams: those tutors created (in KV) and those of the tokens file. */
export class TeamDirectory {
  private fileTeams: string[] = [];
  private mtimeMs = -1;

  constructor(
    private readonly tokensFile: string | undefined,
    private readonly store: CalendarStore,
  ) {}

  teams(): string[] {
    return [...new Set([...this.teamsOfFile(), ...this.store.allTeams().map((t) => t.name)])].sort();
  }

  /** Teams of the tokens file, re-read when it changes. */
  teamsOfFile(): string[] {
    if (!this.tokensFile) return this.fileTeams;
    try {
      const mtimeMs = statSync(this.tokensFile).mtimeMs;
      if (mtimeMs !== this.mtimeMs) {
        this.fileTeams = Object.keys(readTokensFile(this.tokensFile).teams).sort();
        this.mtimeMs = mtimeMs;
      }
    } catch {
      // No file yet: no teams from it.
    }
    return this.fileTeams;
  }
}

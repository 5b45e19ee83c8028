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
    /** Told when the tokens file cannot be read; its last good teams stay. */
    private readonly onProblem: (message: string) => void = () => undefined,
  ) {}

  teams(): string[] {
    return [...new Set([...this.teamsOfFile(), ...this.store.allTeams().map((t) => t.name)])].sort();
  }

  /** Teams of the tokens file, re-read when it changes. */
  teamsOfFile(): string[] {
    if (!this.tokensFile) return this.fileTeams;
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.tokensFile).mtimeMs;
    } catch {
      // No file yet: no teams from it.
      return this.fileTeams;
    }
    if (mtimeMs === this.mtimeMs) return this.fileTeams;
    this.mtimeMs = mtimeMs;
    try {
      this.fileTeams = Object.keys(readTokensFile(this.tokensFile).teams).sort();
    } catch (error) {
      this.onProblem(`${(error as Error).message}; its last good teams stay`);
    }
    return this.fileTeams;
  }
}

import { type FinishPhaseName, FinishPhases, type FinishProgressView } from '@gpulab/contracts';
import { type Clock, systemClock } from './clock';

export interface FinishProgressOptions {
  /**
   * How long an ended finish stays readable, so that a client polling every half second sees
   * `done` or `failed` even when its last poll comes after FinishUpload answered. @default 10000 (ms)
   */
  graceMs?: number;
}

const DEFAULTS: Required<FinishProgressOptions> = { graceMs: 10_000 };

/** The upload a tracker follows, as the board needs it. */
export interface FinishSubject {
  uploadId: string;
  team: string;
  /** The data file's size: what `checking` and `parsing` read. */
  totalBytes: number;
}

interface Entry {
  view: FinishProgressView;
  /** Clock time when the finish ended; undefined while it runs. */
  endedAtMs?: number;
}

/**
 * Where each FinishUpload under way is, in memory only: it matters only while a client waits
 * for the answer, and a restarted gateway has no finish under way. Ended entries are kept for a
 * grace period and dropped lazily on the next read or begin, so the board needs no timer and
 * holds at most the finishes of the last few seconds (the heavy-work gate bounds those).
 */
export class FinishProgressBoard {
  private readonly entries = new Map<string, Entry>();
  private readonly graceMs: number;

  constructor(
    private readonly clock: Clock = systemClock,
    options: FinishProgressOptions = {},
  ) {
    this.graceMs = options.graceMs ?? DEFAULTS.graceMs;
  }

  /** Starts following a finish, in phase `waiting`; a finish of the same upload begun again replaces it. */
  begin(subject: FinishSubject): FinishTracker {
    this.prune();
    const now = new Date(this.clock.now()).toISOString();
    const entry: Entry = {
      view: { uploadId: subject.uploadId, team: subject.team, phase: FinishPhases.waiting, doneBytes: 0, totalBytes: subject.totalBytes, rows: 0, startedAt: now, updatedAt: now },
    };
    this.entries.set(subject.uploadId, entry);
    return new FinishTracker(entry, this.clock);
  }

  /** A copy of where the finish of `uploadId` is; undefined when none runs or ended within the grace. */
  get(uploadId: string): FinishProgressView | undefined {
    this.prune();
    const entry = this.entries.get(uploadId);
    return entry ? { ...entry.view } : undefined;
  }

  /** Finishes followed now, ended ones within their grace included. */
  get size(): number {
    this.prune();
    return this.entries.size;
  }

  private prune(): void {
    const now = this.clock.now();
    for (const [id, entry] of this.entries) {
      if (entry.endedAtMs !== undefined && now - entry.endedAtMs > this.graceMs) this.entries.delete(id);
    }
  }
}

/**
 * What the finishing code calls as it goes. `read` is called once per stored chunk (the upload's
 * chunk size, a MiB or so), never per row, so following a finish costs a field update and a
 * clock read per chunk. Calls after `done` or `failed` are ignored.
 */
export class FinishTracker {
  constructor(
    private readonly entry: Entry,
    private readonly clock: Clock,
  ) {}

  /** Enters a phase; `checking` and `parsing` count the data file's bytes again from 0. */
  phase(phase: Exclude<FinishPhaseName, 'done' | 'failed'>): void {
    this.update((view) => {
      if (view.phase !== phase) view.doneBytes = 0;
      view.phase = phase;
    });
  }

  /** `bytes` more of the data file were read in this phase. */
  read(bytes: number): void {
    this.update((view) => {
      view.doneBytes = Math.min(view.totalBytes, view.doneBytes + bytes);
    });
  }

  /** The data's rows, once counted. */
  rows(rows: number): void {
    this.update((view) => {
      view.rows = rows;
    });
  }

  done(artifactId: string): void {
    this.end(FinishPhases.done, artifactId);
  }

  failed(): void {
    this.end(FinishPhases.failed);
  }

  private end(phase: 'done' | 'failed', artifactId?: string): void {
    this.update((view) => {
      view.phase = phase;
      if (artifactId !== undefined) view.artifactId = artifactId;
    });
    this.entry.endedAtMs ??= this.clock.now();
  }

  private update(change: (view: FinishProgressView) => void): void {
    if (this.entry.endedAtMs !== undefined) return;
    change(this.entry.view);
    this.entry.view.updatedAt = new Date(this.clock.now()).toISOString();
  }
}

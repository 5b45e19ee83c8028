/**
 * What the two threads of a ParallelGridConvolution share: the slots of the control block, the
 * staging-grid messages, and the pure decisions each side takes on them.
 */

/** Slots of the shared control block (Int32). */
export const Control = {
  /** Raised by the caller to start a convolution; −1 stops the helper. */
  sequence: 0,
  /** The sequence the helper last finished. */
  done: 1,
  nodes: 2,
  /** 1 once the helper has its PFFFT. */
  ready: 3,
  /** 1 when the last convolution failed (its reason is on the port). */
  failed: 4,
  /** The generation of the staging grid the next convolution must use. */
  generation: 5,
  /** Counted up by the helper as it works: a helper that stops counting is stuck or gone. */
  progress: 6,
  /** 1 once the helper has stopped for good (its reason is on the port). */
  dead: 7,
} as const;

export const CONTROL_SLOTS = 8;

export interface GridThreadData {
  control: SharedArrayBuffer;
  /** One float64: the node spacing. */
  spacing: SharedArrayBuffer;
}

/**
 * A staging grid handed to the helper. Each resize makes a new one; the generation says which
 * is current, so the helper never convolves one the caller has already replaced.
 */
export interface StagedGrid {
  generation: number;
  size: number;
  buffer: SharedArrayBuffer;
}

/** What the helper sends back on the port: only failures. */
export interface HelperReport {
  error: string;
}

/**
 * Takes staged grids off the port until the one of `generation`, dropping the older ones the
 * caller made and replaced between two convolutions (A→B→A queues three). Messages arrive in
 * order and the caller posts before it publishes the generation, so the wanted one is there.
 */
export function takeStaged(receive: () => StagedGrid | undefined, generation: number): StagedGrid {
  for (;;) {
    const staged = receive();
    if (staged === undefined) throw new Error(`staging grid ${generation} was not handed over`);
    if (staged.generation === generation) return staged;
    if (staged.generation > generation) throw new Error(`staging grid ${staged.generation} arrived before ${generation}`);
  }
}

export type HelperState = 'answered' | 'failed' | 'dead' | 'stalled' | 'working';

/**
 * Where a convolution stands, judged by the waiting caller from the control block and how long
 * the helper has gone without progress. A slow helper that keeps counting is left to finish;
 * only one that stopped counting for `stallMs` is given up on.
 */
export function helperState(s: { sequence: number; done: number; failed: boolean; dead: boolean; quietMs: number; stallMs: number }): HelperState {
  if (s.done === s.sequence) return s.failed ? 'failed' : 'answered';
  if (s.dead) return 'dead';
  return s.quietMs >= s.stallMs ? 'stalled' : 'working';
}

export type StartState = 'ready' | 'dead' | 'timed-out' | 'starting';

/** Whether a starting helper is ready, gone, or past its time to start. */
export function startState(s: { ready: boolean; dead: boolean; elapsedMs: number; startMs: number }): StartState {
  if (s.dead) return 'dead';
  if (s.ready) return 'ready';
  return s.elapsedMs >= s.startMs ? 'timed-out' : 'starting';
}

/** An error's text for the port: its stack where it has one. */
export function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

import { InvalidParameterError } from '@gpulab/compute';
import { quoteInput } from '@gpulab/contracts';
import { parseDurationMs } from '@gpulab/platform';

/** The longest timeout accepted: a week, far beyond any slot. */
const MAX_TIMEOUT_MS = 7 * 24 * 3600_000;

/** A timeout as people write it: `90m`, `6h`, `30s`, or a bare number of seconds. */
export function parseTimeoutMs(raw: unknown): number {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  let ms: number;
  try {
    // A bare number is seconds here: nobody means a timeout of 90 ms.
    ms = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : parseDurationMs(text, 'timeout');
  } catch {
    ms = NaN;
  }
  if (!Number.isFinite(ms) || ms <= 0 || ms > MAX_TIMEOUT_MS) {
    throw new InvalidParameterError('timeout', `timeout must be a duration from 1s to 7d (90m, 6h, or seconds), not ${quoteInput(raw)}`);
  }
  return ms;
}

/** What an attempt may run for: its timeout, clipped to the end of its slot, and whether it was clipped. */
export function attemptDeadline(startMs: number, timeoutMs: number | undefined, slotEndMs: number | undefined): { deadlineMs?: number; clipped: boolean } {
  const own = timeoutMs === undefined ? undefined : startMs + timeoutMs;
  if (slotEndMs === undefined) return { deadlineMs: own, clipped: false };
  if (own === undefined || own <= slotEndMs) return { deadlineMs: own ?? slotEndMs, clipped: false };
  return { deadlineMs: slotEndMs, clipped: true };
}

/**
 * The part of a stop's grace period the command gets before SIGKILL: the rest (a quarter, at
 * most 30 s) is kept for storing its outputs and checkpoint before the launcher kills the worker.
 */
export function commandGraceMs(graceMs: number): number {
  return Math.max(0, graceMs - Math.min(graceMs / 4, 30_000));
}

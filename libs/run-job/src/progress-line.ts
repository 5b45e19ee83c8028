import { PROGRESS_LIMITS } from '@gpulab/contracts';

/** The prefix that marks a progress line among a command's standard output. */
export const PROGRESS_PREFIX = '::gpulab::';

/** A progress report from a command: `{"progress": 0.42, "message": "epoch 5/12", "metrics": {"loss": 0.31}}`. */
export interface CommandProgress {
  /** 0..1; absent when the line only reports metrics or a message. */
  fraction?: number;
  message: string;
  metrics?: Record<string, number>;
}


/**
 * A progress line as JSON, or undefined for anything else (a line that is not JSON is the
 * script's business, not an error). The fraction is clamped to 0..1, metrics that are not
 * finite numbers are left out.
 */
export function parseProgressLine(line: string): CommandProgress | undefined {
  const text = line.trim();
  if (!text.startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const fraction = typeof v.progress === 'number' && Number.isFinite(v.progress) ? Math.min(Math.max(v.progress, 0), 1) : undefined;
  const message = typeof v.message === 'string' ? v.message.slice(0, 500) : '';
  const metrics = metricsOf(v.metrics);
  if (fraction === undefined && message === '' && !metrics) return undefined;
  return { ...(fraction !== undefined ? { fraction } : {}), message, ...(metrics ? { metrics } : {}) };
}

/** A stdout line's progress, when it carries the {@link PROGRESS_PREFIX}. */
export function progressOfStdoutLine(line: string): CommandProgress | undefined {
  return line.startsWith(PROGRESS_PREFIX) ? parseProgressLine(line.slice(PROGRESS_PREFIX.length)) : undefined;
}

function metricsOf(raw: unknown): Record<string, number> | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const entries = Object.entries(raw as Record<string, unknown>)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]) && entry[0].length <= PROGRESS_LIMITS.maxMetricName)
    .slice(0, PROGRESS_LIMITS.maxMetrics);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

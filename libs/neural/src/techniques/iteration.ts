import { InvalidParameterError } from '@gpulab/compute';

/** What the iterative techniques (class model, deep dream, neural style) share. */
export interface IterationOptions<P> {
  /** Called every {@link REPORT_EVERY} iterations and after the last. */
  onProgress?: (report: P) => void | Promise<void>;
  /** Checked between iterations; when aborted, the technique rejects with the signal's reason. */
  signal?: AbortSignal;
}

export const REPORT_EVERY = 10;

/**
 * Reports, then yields to the event loop so that a cancellation (a message on the socket) can
 * arrive between iterations: the tensor work itself is synchronous.
 */
export async function betweenIterations<P>(options: IterationOptions<P>, report: () => P): Promise<void> {
  options.signal?.throwIfAborted();
  await options.onProgress?.(report());
  await new Promise<void>((resolve) => setImmediate(resolve));
  options.signal?.throwIfAborted();
}

/** A whole number option within [min, max], named in the error. */
export function wholeOption(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidParameterError(name, `${name} must be a whole number from ${min} to ${max}, not ${String(value)}`);
  }
  return value;
}

/** A number option within (min, max] or [min, max], named in the error. */
export function numberOption(name: string, value: number | undefined, fallback: number, min: number, max: number, minExclusive = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (minExclusive && value === min)) {
    throw new InvalidParameterError(name, `${name} must be a number ${minExclusive ? 'above' : 'from'} ${min} ${minExclusive ? 'and at most' : 'to'} ${max}, not ${String(value)}`);
  }
  return value;
}

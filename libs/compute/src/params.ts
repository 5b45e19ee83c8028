import { InvalidParameterError } from './errors';
import { quoteInput } from '@gpulab/contracts';

/** Reads an integer parameter; strings such as "2" from the CLI's --set are accepted. */
export function integerParam(params: Record<string, unknown>, name: string, fallback: number, min: number, max: number): number {
  const raw = params[name];
  if (raw === undefined || raw === null || raw === '') return fallback;
  const value = typeof raw === 'string' ? Number(raw.trim()) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new InvalidParameterError(name, `${name} must be a whole number, not ${quoteInput(raw)}`);
  }
  if (value < min || value > max) {
    throw new InvalidParameterError(name, `${name} must be between ${min} and ${max}, not ${value}`);
  }
  return value;
}

/** Refuses parameters the kind does not know, naming the ones it does. */
export function rejectUnknownParams(kind: string, params: Record<string, unknown>, known: readonly string[]): void {
  const unknown = Object.keys(params).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new InvalidParameterError(
      unknown[0],
      `${kind} has no parameter ${quoteInput(unknown[0])}; its parameters are: ${known.join(', ')}`,
    );
  }
}

/** Reads a number parameter (text from --set is accepted) within [min, max]. */
export function numberParam(params: Record<string, unknown>, name: string, fallback: number, min: number, max: number): number {
  const raw = params[name];
  if (raw === undefined || raw === null || raw === '') return fallback;
  const value = typeof raw === 'string' ? Number(raw.trim()) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidParameterError(name, `${name} must be a number, not ${quoteInput(raw)}`);
  if (value < min || value > max) throw new InvalidParameterError(name, `${name} must be between ${min} and ${max}, not ${value}`);
  return value;
}

/** Reads one of a fixed set of words. */
export function choiceParam<T extends string>(params: Record<string, unknown>, name: string, fallback: T, choices: readonly T[]): T {
  const raw = params[name];
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (typeof raw !== 'string' || !choices.includes(raw as T)) {
    throw new InvalidParameterError(name, `${name} must be one of ${choices.join(', ')}, not ${quoteInput(raw)}`);
  }
  return raw as T;
}

/** Reads true/false (also "true", "false", "yes", "no", "1", "0" from --set). */
export function booleanParam(params: Record<string, unknown>, name: string, fallback: boolean): boolean {
  const raw = params[name];
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (typeof raw === 'boolean') return raw;
  const text = String(raw).trim().toLowerCase();
  if (['true', 'yes', '1'].includes(text)) return true;
  if (['false', 'no', '0'].includes(text)) return false;
  throw new InvalidParameterError(name, `${name} must be true or false, not ${quoteInput(raw)}`);
}

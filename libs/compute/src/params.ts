import { InvalidParameterError } from './errors';

/** Reads an integer parameter; strings such as "2" from the CLI's --set are accepted. */
export function integerParam(params: Record<string, unknown>, name: string, fallback: number, min: number, max: number): number {
  const raw = params[name];
  if (raw === undefined || raw === null || raw === '') return fallback;
  const value = typeof raw === 'string' ? Number(raw.trim()) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new InvalidParameterError(name, `${name} must be a whole number, not ${JSON.stringify(raw)}`);
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
      `${kind} has no parameter "${unknown[0]}"; its parameters are: ${known.join(', ')}`,
    );
  }
}

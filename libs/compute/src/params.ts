import { InvalidParameterError } from './errors';
import { quoteInput } from '@gpulab/contracts';
import { type ParamSpec } from './param-table';

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

/** Where a read differs from the table: a default or bound that depends on the input. */
export interface ParamBounds {
  fallback?: number;
  min?: number;
  max?: number;
}

/** An integer parameter as its table entry describes it (default and range), unless `bounds` say otherwise. */
export function readInteger(params: Record<string, unknown>, spec: ParamSpec, bounds: ParamBounds = {}): number {
  return integerParam(params, spec.name, bounds.fallback ?? numericDefault(spec), bounds.min ?? spec.min ?? Number.MIN_SAFE_INTEGER, bounds.max ?? spec.max ?? Number.MAX_SAFE_INTEGER);
}

/** A number parameter as its table entry describes it, unless `bounds` say otherwise. */
export function readNumber(params: Record<string, unknown>, spec: ParamSpec, bounds: ParamBounds = {}): number {
  return numberParam(params, spec.name, bounds.fallback ?? numericDefault(spec), bounds.min ?? spec.min ?? -Number.MAX_VALUE, bounds.max ?? spec.max ?? Number.MAX_VALUE);
}

/** One of an `enum` entry's words, its default when not given. */
export function readChoice<T extends string>(params: Record<string, unknown>, spec: ParamSpec & { values: readonly T[] }): T {
  return choiceParam<T>(params, spec.name, spec.default as T, spec.values);
}

/** A boolean parameter, its table default (false when the table gives none) when not given. */
export function readBoolean(params: Record<string, unknown>, spec: ParamSpec): boolean {
  return booleanParam(params, spec.name, spec.default === true);
}

/** Whether the parameter was given (an empty --set value counts as not given). */
export function isGiven(params: Record<string, unknown>, name: string): boolean {
  return params[name] !== undefined && params[name] !== null && params[name] !== '';
}

function numericDefault(spec: ParamSpec): number {
  return typeof spec.default === 'number' ? spec.default : 0;
}

import { InvalidArgumentError } from 'commander';

/** Gathers a repeatable option's values in the order given. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** A whole number of 1 or more; the error names the option. */
export const positiveInt =
  (name: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number of 1 or more`);
    return n;
  };

/**
 * One of `choices` in any case (`running` is `RUNNING`), for a repeatable option: people type
 * state names in lower case, the gateway speaks them in upper case.
 */
export const anyCaseChoice =
  (choices: readonly string[]) =>
  (value: string, previous: string[] | undefined): string[] => {
    const match = choices.find((c) => c.toLowerCase() === value.trim().toLowerCase());
    if (!match) throw new InvalidArgumentError(`Allowed choices are ${choices.join(', ')}.`);
    return [...(previous ?? []), match];
  };

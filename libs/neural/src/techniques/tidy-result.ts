import { type Tf, tfjs } from '../tfjs';

/**
 * `tf.tidy` for a function that returns a result object: every tensor made inside is disposed
 * except those the result holds (tidy finds them at any depth). tidy's own type admits only
 * objects with an index signature, which the result interfaces do not declare.
 */
export function tidyResult<T extends object>(fn: () => T): T {
  return tfjs().tidy(fn as () => Tf.TensorContainer) as T;
}

/** Disposes every tensor a technique's result holds (at any depth); numbers and text stay usable. */
export function disposeResult(result: object): void {
  tfjs().dispose(result as Tf.TensorContainer);
}

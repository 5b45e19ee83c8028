import type * as Tf from '@tensorflow/tfjs';

export type { Tf };

let loaded: typeof Tf | undefined;

/**
 * TensorFlow.js, loaded on first use. The gateway imports this package for the job kinds'
 * parameter checks only; loading tfjs there would cost start-up time and memory for nothing, so
 * no module of this package requires it at import time.
 */
export function tfjs(): typeof Tf {
  // A plain require keeps this synchronous for builders such as buildCnn.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('@tensorflow/tfjs') as typeof Tf;
  return loaded;
}

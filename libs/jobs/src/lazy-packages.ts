import type * as Compute from '@gpulab/compute';
import type * as Neural from '@gpulab/neural';
import type * as RunJob from '@gpulab/run-job';

// The kinds' packages are required on first use, not at import: a worker loads only its own
// kind's package (`loadJobKind`), and a short job's time is mostly its worker's start-up.
/* eslint-disable @typescript-eslint/no-require-imports */
export const compute = (): typeof Compute => require('@gpulab/compute') as typeof Compute;
export const neural = (): typeof Neural => require('@gpulab/neural') as typeof Neural;
export const runJob = (): typeof RunJob => require('@gpulab/run-job') as typeof RunJob;
/* eslint-enable @typescript-eslint/no-require-imports */

import { join } from 'node:path';

/** The repository's root, from this package's compiled files (`deploy/cluster/dist`). */
export const REPO_ROOT = join(__dirname, '..', '..', '..');

/** Where the checked files live, relative to {@link REPO_ROOT}. */
export const REPO_PATHS = {
  chart: 'helm/gpulab',
  productionValues: 'helm/gpulab/ci/production-values.yaml',
  dockerfile: 'deploy/images/Dockerfile',
  dockerignore: '.dockerignore',
} as const;

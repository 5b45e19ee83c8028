import { type JobKind } from './job-kind';
import { pcaKind } from './kinds/pca-kind';
import { tsneKind } from './kinds/tsne-kind';

/** This package's job kinds, for the one registry of every kind (@gpulab/jobs). */
export const computeJobKinds: readonly JobKind[] = [pcaKind, tsneKind];

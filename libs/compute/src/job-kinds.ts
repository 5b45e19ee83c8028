import { InvalidParameterError } from './errors';
import { type JobKind } from './job-kind';
import { pcaKind } from './kinds/pca-kind';
import { tsneKind } from './kinds/tsne-kind';
import { quoteInput } from '@gpulab/contracts';

/** This package's job kinds; the registry of every kind (@gpulab/jobs) adds the other packages'. */
export const computeJobKinds: readonly JobKind[] = [pcaKind, tsneKind];

const KINDS: ReadonlyMap<string, JobKind> = new Map(computeJobKinds.map((kind) => [kind.name, kind]));

export function listJobKinds(): JobKind[] {
  return [...KINDS.values()];
}

export function findJobKind(name: string): JobKind {
  const kind = KINDS.get(name);
  if (!kind) {
    throw new InvalidParameterError('kind', `there is no job kind ${quoteInput(name)}; known kinds: ${[...KINDS.keys()].join(', ')}`);
  }
  return kind;
}

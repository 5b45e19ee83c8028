import { computeJobKinds, InvalidParameterError, type JobKind } from '@gpulab/compute';
import { acceleratedTsneKind, type BackendInfo, neuralJobKinds } from '@gpulab/neural';
import { quoteInput } from '@gpulab/contracts';

/**
 * A job kind of any package. Kinds that compute with TensorFlow.js ready their backend before
 * the worker reports the start (`initBackend`, given the worker's GPULAB_BACKEND); the others
 * compute on the CPU in plain TypeScript, except `tsne`, which readies TensorFlow.js itself
 * when a job takes its tensor path (most do not, and should not pay for loading it).
 */
export type RegisteredJobKind = JobKind & {
  initBackend?(preferred: string | undefined): Promise<BackendInfo>;
};

/**
 * compute's `tsne` kind with its tensor path on TensorFlow.js (compute cannot have it: neural
 * depends on compute). It reads the worker's GPULAB_BACKEND from the job's context.
 */
const tsneKind = acceleratedTsneKind;

const KINDS: ReadonlyMap<string, RegisteredJobKind> = index([...computeJobKinds.map((kind) => (kind.name === tsneKind.name ? tsneKind : kind)), ...neuralJobKinds]);

export function listJobKinds(): RegisteredJobKind[] {
  return [...KINDS.values()];
}

export function findJobKind(name: string): RegisteredJobKind {
  const kind = KINDS.get(name);
  if (!kind) {
    throw new InvalidParameterError('kind', `there is no job kind ${quoteInput(name)}; known kinds: ${[...KINDS.keys()].join(', ')}`);
  }
  return kind;
}

/** Two packages naming a kind alike would make one of them unreachable; that is a build mistake. */
function index(kinds: readonly RegisteredJobKind[]): Map<string, RegisteredJobKind> {
  const map = new Map<string, RegisteredJobKind>();
  for (const kind of kinds) {
    if (map.has(kind.name)) throw new Error(`two job kinds are named "${kind.name}"`);
    map.set(kind.name, kind);
  }
  return map;
}

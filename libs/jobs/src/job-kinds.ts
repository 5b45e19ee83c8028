import type * as Compute from '@gpulab/compute';
import type * as Neural from '@gpulab/neural';
import { quoteInput } from '@gpulab/contracts';
import { compute, neural, runJob } from './lazy-packages';
import { testJobKinds } from './test-kinds';

/**
 * A job kind of any package. Kinds that compute with TensorFlow.js ready their backend before
 * the worker reports the start (`initBackend`, given the worker's GPULAB_BACKEND); the others
 * compute on the CPU in plain TypeScript, except `tsne`, which readies TensorFlow.js itself
 * when a job takes its tensor path (most do not, and should not pay for loading it).
 */
export type RegisteredJobKind = Compute.JobKind & {
  initBackend?(preferred: string | undefined): Promise<Neural.BackendInfo>;
  /** Test kinds: the gateway refuses them to members with PERMISSION_DENIED. */
  tutorsOnly?: boolean;
};

/**
 * compute's kinds that neural replaces with an accelerated one (compute cannot have it: neural
 * depends on compute). Known here by name so a worker running another compute kind need not
 * load neural to find out; a test checks the list against neural's kinds.
 */
export const NEURAL_ACCELERATED_KINDS: readonly string[] = ['tsne'];


let all: ReadonlyMap<string, RegisteredJobKind> | undefined;

function kinds(): ReadonlyMap<string, RegisteredJobKind> {
  if (all) return all;
  const { neuralJobKinds, acceleratedTsneKind } = neural();
  const accelerated = new Map<string, RegisteredJobKind>([[acceleratedTsneKind.name, acceleratedTsneKind]]);
  const computeKinds = compute().computeJobKinds.map((kind) => accelerated.get(kind.name) ?? kind);
  all = index([...computeKinds, ...neuralJobKinds, runJob().runKind, ...testJobKinds]);
  return all;
}

export function listJobKinds(): RegisteredJobKind[] {
  return [...kinds().values()];
}

export function findJobKind(name: string): RegisteredJobKind {
  const kind = kinds().get(name);
  if (!kind) throw unknownKind(name, [...kinds().keys()]);
  return kind;
}

/**
 * The kind a worker runs, loading only the package that holds it: a test kind or `run` loads neither
 * compute's kinds nor neural, a `pca` worker loads compute's plain TypeScript but not neural; only neural's kinds (and the accelerated
 * `tsne`) load neural, which loads TensorFlow.js only when a job needs it.
 */
export function loadJobKind(name: string): RegisteredJobKind {
  const test = testJobKinds.find((k) => k.name === name);
  if (test) return test;
  // A team's own command needs neither compute's methods nor neural's TensorFlow.js.
  if (name === runJob().RUN_KIND_NAME) return runJob().runKind;
  if (!NEURAL_ACCELERATED_KINDS.includes(name)) {
    const plain = compute().computeJobKinds.find((k) => k.name === name);
    if (plain) return plain;
  }
  return findJobKind(name);
}

function unknownKind(name: string, known: readonly string[]): Error {
  return new (compute().InvalidParameterError)('kind', `there is no job kind ${quoteInput(name)}; known kinds: ${known.join(', ')}`);
}

/** Two packages naming a kind alike would make one of them unreachable; that is a build mistake. */
function index(list: readonly RegisteredJobKind[]): Map<string, RegisteredJobKind> {
  const map = new Map<string, RegisteredJobKind>();
  for (const kind of list) {
    if (map.has(kind.name)) throw new Error(`two job kinds are named "${kind.name}"`);
    map.set(kind.name, kind);
  }
  return map;
}

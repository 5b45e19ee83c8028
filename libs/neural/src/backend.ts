import type * as TfWasm from '@tensorflow/tfjs-backend-wasm';
import { BackendUnavailableError } from './errors';
import { tfjs } from './tfjs';
import { registerWasmConv2dBackpropFilter } from './wasm-conv2d-backprop-filter';
import { registerWasmConv2dBackpropInput } from './wasm-conv2d-backprop-input';

/**
 * The TensorFlow.js backends gpulab knows, best first. The two node backends bind libtensorflow
 * (CUDA for `tensorflow-gpu`); their packages download it when installed, so they are optional
 * and never dependencies of this package. `wasm` (XNNPACK, SIMD) ships with gpulab; `cpu` is
 * plain JavaScript and always there.
 */
export const BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** The backend that runs this process's tensors, as a job's result reports it. */
export interface BackendInfo {
  name: BackendName;
  /** Version of the package that provides the backend. */
  version: string;
  /** wasm only: whether the SIMD build runs. */
  simd?: boolean;
  /** wasm only: threads of the XNNPACK pool (1 where node offers no wasm threads). */
  threads?: number;
}

interface Candidate {
  name: BackendName;
  /** The npm package that provides it; none for `cpu`, which comes with tfjs. */
  package?: string;
  /** The name tfjs registers it under; both node packages register `tensorflow`. */
  tfName: string;
}

const CANDIDATES: readonly Candidate[] = [
  { name: 'tensorflow-gpu', package: '@tensorflow/tfjs-node-gpu', tfName: 'tensorflow' },
  { name: 'tensorflow', package: '@tensorflow/tfjs-node', tfName: 'tensorflow' },
  { name: 'wasm', package: '@tensorflow/tfjs-backend-wasm', tfName: 'wasm' },
  { name: 'cpu', tfName: 'cpu' },
];

let active: BackendInfo | undefined;

/** The backend {@link initBackend} set up last, if any. */
export function activeBackend(): BackendInfo | undefined {
  return active;
}

/**
 * The backends whose packages are installed here, best first. Whether a node backend's native
 * library loads is only known when it is tried, so this lists what may be chosen.
 */
export function installedBackends(): BackendName[] {
  return CANDIDATES.filter((c) => c.package === undefined || resolves(c.package)).map((c) => c.name);
}

/**
 * Makes a TensorFlow.js backend the one this process computes on and says which. Without
 * `preferred` (or with `auto`) the best that starts wins; the absence of the node backends is
 * normal. With a name (the worker's GPULAB_BACKEND) exactly that backend runs, or this rejects
 * with a {@link BackendUnavailableError} that names the installed ones: a job that asked for a
 * GPU must not quietly train on the CPU. Calling it again switches the backend.
 */
export async function initBackend(preferred?: string): Promise<BackendInfo> {
  const tf = tfjs();
  // Production mode also silences tfjs' console advice to install tfjs-node, which would land
  // in the worker's log on every job.
  tf.enableProdMode();
  const wanted = preferred?.trim() || 'auto';
  if (wanted !== 'auto') {
    const candidate = CANDIDATES.find((c) => c.name === wanted);
    if (!candidate) {
      throw new BackendUnavailableError(wanted, installedBackends(), `there is no TensorFlow.js backend "${wanted}"; choose one of ${BACKENDS.join(', ')} or auto`);
    }
    if (candidate.package !== undefined && !resolves(candidate.package)) {
      const installed = installedBackends();
      throw new BackendUnavailableError(
        wanted,
        installed,
        `the ${wanted} backend is not installed on this worker (the npm package ${candidate.package} is missing); installed: ${installed.join(', ')}`,
      );
    }
    try {
      return (active = await activate(candidate));
    } catch (error) {
      const installed = installedBackends();
      throw new BackendUnavailableError(wanted, installed, `the ${wanted} backend did not start: ${(error as Error).message}; installed: ${installed.join(', ')}`, { cause: error });
    }
  }
  const failures: string[] = [];
  for (const candidate of CANDIDATES) {
    if (candidate.package !== undefined && !resolves(candidate.package)) continue;
    try {
      return (active = await activate(candidate));
    } catch (error) {
      failures.push(`${candidate.name}: ${(error as Error).message}`);
    }
  }
  // Unreachable while cpu starts, which it always does; kept so a broken install says why.
  throw new BackendUnavailableError('auto', installedBackends(), `no TensorFlow.js backend started (${failures.join('; ')})`);
}

async function activate(candidate: Candidate): Promise<BackendInfo> {
  const tf = tfjs();
  let version = tf.version.tfjs;
  if (candidate.name === 'wasm') {
    // In node the backend finds its .wasm files beside its own script, so no setWasmPaths.
    const wasm = loadPackage('@tensorflow/tfjs-backend-wasm') as typeof TfWasm;
    registerWasmConv2dBackpropFilter();
    registerWasmConv2dBackpropInput();
    version = wasm.version_wasm;
  } else if (candidate.package !== undefined) {
    loadPackage(candidate.package);
    version = packageVersion(candidate.package) ?? version;
  }
  if (!(await tf.setBackend(candidate.tfName))) throw new Error(`tfjs could not initialize the ${candidate.tfName} backend`);
  await tf.ready();
  if (candidate.name !== 'wasm') return { name: candidate.name, version };
  const wasm = loadPackage('@tensorflow/tfjs-backend-wasm') as typeof TfWasm;
  return { name: 'wasm', version, simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')), threads: wasm.getThreadsCount() };
}

function resolves(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** A guarded require of a package chosen at run time; the optional ones have no types here. */
function loadPackage(name: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(name);
}

function packageVersion(name: string): string | undefined {
  try {
    return (loadPackage(`${name}/package.json`) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

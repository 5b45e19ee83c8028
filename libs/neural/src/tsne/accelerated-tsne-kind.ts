import { type JobKind, makeTsneKind, type TsneAccelerate, type TsneParams } from '@gpulab/compute';
import { activeBackend, type BackendInfo, initBackend, installedBackends } from '../backend';
import { TensorTsneAccelerator } from './tensor-tsne-accelerator';
import { chooseTsnePath, TSNE_GPU_BACKENDS } from './tsne-path';

/**
 * Gives the t-SNE job kind its tensor path on TensorFlow.js. For `auto` it looks at the installed
 * backends first and loads tfjs only when a GPU backend is there (loading it costs a second and
 * memory for nothing otherwise); a GPU backend that fails to start leaves the job on the CPU
 * with a warning. For `tensor` it runs on the active backend, else starts the preferred one (the
 * worker's GPULAB_BACKEND: `auto` takes the tensor path only when it names a GPU backend); one
 * that is missing fails the job with a BackendUnavailableError, as training does.
 */
export const tensorTsneAccelerate: TsneAccelerate = async (path, log, preferredBackend) => {
  const preferred = preferredBackend?.trim() || undefined;
  if (path === 'tensor') {
    const info = activeBackend() ?? (await initBackend(preferred));
    if (!TSNE_GPU_BACKENDS.includes(info.name)) {
      await log('info', `path=tensor on ${info.name}, which is not a GPU backend: the exact repulsion costs O(n²) an iteration here`);
    }
    return accelerator(info);
  }
  const active = activeBackend();
  const candidate = active?.name ?? (preferred !== undefined && preferred !== 'auto' ? preferred : installedBackends()[0]);
  if (chooseTsnePath('auto', candidate) === 'cpu') {
    await log('info', `path=auto: no GPU backend for TensorFlow.js here (${active ? `active: ${active.name}` : `installed: ${installedBackends().join(', ')}`}), so t-SNE runs on the CPU`);
    return undefined;
  }
  try {
    return accelerator(active ?? (await initBackend(candidate)));
  } catch (error) {
    await log('warn', `path=auto: the ${candidate} backend did not start (${(error as Error).message}); t-SNE runs on the CPU`);
    return undefined;
  }
};

/**
 * The `tsne` job kind with its tensor path on TensorFlow.js: the registry in @gpulab/jobs uses
 * this one instead of compute's plain `tsneKind`. It has no `initBackend`: the worker would
 * load tfjs before every t-SNE job, and most run on the CPU.
 */
export const acceleratedTsneKind: JobKind<TsneParams> = makeTsneKind(tensorTsneAccelerate);

function accelerator(info: BackendInfo): TensorTsneAccelerator {
  return new TensorTsneAccelerator({ backend: info.name });
}

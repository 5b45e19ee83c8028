import { type TsnePath } from '@gpulab/compute';

/**
 * TensorFlow.js backends that compute on a GPU. Only `tensorflow-gpu` can start in a gpulab
 * worker; the browser's `webgpu` and `webgl` are listed so that the decision below holds for any
 * name `tf.getBackend()` gives.
 */
export const TSNE_GPU_BACKENDS: readonly string[] = ['tensorflow-gpu', 'webgpu', 'webgl'];

/**
 * Where a t-SNE job runs, from the path it asked for and the TensorFlow.js backend that would
 * run its tensors (the active one, else the worker's GPULAB_BACKEND, else the best installed).
 * `auto` takes the tensor path only on a GPU backend: on a CPU backend the tensor path's exact
 * repulsion costs O(n²) an iteration, where the CPU path's Barnes-Hut and FFT cost about O(n).
 * `tensor` runs on whatever backend there is, so it can be checked without a GPU.
 */
export function chooseTsnePath(requested: TsnePath, backend: string | undefined): 'cpu' | 'tensor' {
  if (requested === 'auto') return backend !== undefined && TSNE_GPU_BACKENDS.includes(backend) ? 'tensor' : 'cpu';
  return requested;
}

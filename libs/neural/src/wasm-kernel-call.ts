import type { KernelBackend, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import { tfjs } from './tfjs';

/** Runs one of the wasm backend's own kernels on tensors it holds, as the kernels gpulab adds to it are built from them. */
export function runWasmKernel(backend: KernelBackend, kernel: string, inputs: NamedTensorInfoMap, attrs: object): TensorInfo {
  const config = tfjs().getKernel(kernel, 'wasm');
  if (!config) throw new Error(`the wasm backend has no ${kernel} kernel`);
  return config.kernelFunc({ inputs, backend, attrs: attrs as NamedAttrMap }) as TensorInfo;
}

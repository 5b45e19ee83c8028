import type { Conv2DBackpropFilterAttrs, KernelConfig, KernelFunc, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs';
import { tfjs } from '../../tfjs';

/** The cpu backend's own storage, which its kernels read directly. */
interface CpuBackend {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

/*
 * Two of the cpu backend's gradient kernels read and write every element through
 * `TensorBuffer.get`/`set`: the filter gradient of a convolution (about 0.8 s a batch of 32 for
 * a 3 × 3, 8 → 16 convolution on 14 × 14 maps, a hundred times its forward pass) and max
 * pooling's gradient (two thirds of a training step once the first is fast). Training even the
 * tests' tiny CNN took two minutes with them. These compute the same values with flat loops;
 * `cpu-training-kernels.test.ts` compares both against the originals. The techniques themselves
 * never need them: they differentiate with respect to images, not weights.
 */

const conv2dBackpropFilter: KernelFunc = ({ inputs, backend: untyped, attrs }) => {
  const tf = tfjs();
  const backend = untyped as unknown as CpuBackend;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  if (dataFormat !== 'NHWC') throw new Error(`this test kernel supports NHWC only, not ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  const xs = backend.data.get(x.dataId).values;
  const dys = backend.data.get(dy.dataId).values;
  const sums = new Float64Array(filterHeight * filterWidth * inChannels * outChannels);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        const dyAt = ((b * outHeight + yR) * outWidth + yC) * outChannels;
        for (let wR = 0; wR < filterHeight; wR++) {
          const xR = yR * strideHeight + wR - top;
          if (xR < 0 || xR >= inHeight) continue;
          for (let wC = 0; wC < filterWidth; wC++) {
            const xC = yC * strideWidth + wC - left;
            if (xC < 0 || xC >= inWidth) continue;
            const xAt = ((b * inHeight + xR) * inWidth + xC) * inChannels;
            const wAt = (wR * filterWidth + wC) * inChannels * outChannels;
            for (let d1 = 0; d1 < inChannels; d1++) {
              const v = xs[xAt + d1];
              if (v === 0) continue;
              const row = wAt + d1 * outChannels;
              for (let d2 = 0; d2 < outChannels; d2++) sums[row + d2] += v * dys[dyAt + d2];
            }
          }
        }
      }
    }
  }
  return backend.makeTensorInfo([...filterShape], 'float32', Float32Array.from(sums));
};

/** Each output's gradient goes to the first largest input of its window, as the original routes it. */
const maxPoolGrad: KernelFunc = ({ inputs, backend: untyped, attrs }) => {
  const tf = tfjs();
  const backend = untyped as unknown as CpuBackend;
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  const xs = backend.data.get(input.dataId).values;
  const dys = backend.data.get(dy.dataId).values;
  const dx = new Float32Array(xs.length);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        for (let d = 0; d < inChannels; d++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let wR = 0; wR < filterHeight; wR++) {
            const xR = yR * strideHeight + wR - top;
            if (xR < 0 || xR >= inHeight) continue;
            for (let wC = 0; wC < filterWidth; wC++) {
              const xC = yC * strideWidth + wC - left;
              if (xC < 0 || xC >= inWidth) continue;
              const i = ((b * inHeight + xR) * inWidth + xC) * inChannels + d;
              if (xs[i] > best) [best, at] = [xs[i], i];
            }
          }
          if (at >= 0) dx[at] += dys[((b * outHeight + yR) * outWidth + yC) * inChannels + d];
        }
      }
    }
  }
  return backend.makeTensorInfo([...input.shape], 'float32', dx);
};

const FAST: readonly KernelConfig[] = [
  { kernelName: 'Conv2DBackpropFilter', backendName: 'cpu', kernelFunc: conv2dBackpropFilter },
  { kernelName: 'MaxPoolGrad', backendName: 'cpu', kernelFunc: maxPoolGrad },
];

const originals = new Map<string, KernelConfig>();

/**
 * Puts the flat-loop kernels in place of the cpu backend's for this process (test processes
 * only: `node --test` runs each file in its own). Safe to call twice.
 */
export function useFastCpuTrainingKernels(): void {
  const tf = tfjs();
  for (const config of FAST) {
    const current = tf.getKernel(config.kernelName, 'cpu');
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current) {
      originals.set(config.kernelName, current);
      tf.unregisterKernel(config.kernelName, 'cpu');
    }
    tf.registerKernel(config);
  }
}

/** Puts the cpu backend's own kernels back. */
export function restoreCpuTrainingKernels(): void {
  const tf = tfjs();
  for (const config of FAST) {
    if (tf.getKernel(config.kernelName, 'cpu')?.kernelFunc !== config.kernelFunc) continue;
    tf.unregisterKernel(config.kernelName, 'cpu');
    const original = originals.get(config.kernelName);
    if (original) tf.registerKernel(original);
  }
}

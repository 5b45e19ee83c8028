import type { Conv2DBackpropInputAttrs, KernelBackend, KernelConfig, KernelFunc, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import { tfjs } from './tfjs';
import { runWasmKernel } from './wasm-kernel-call';

let replaced = false;

/**
 * A faster input gradient of a stride-1 convolution for the wasm backend. The kernel wasm ships
 * is a plain loop, half of a CNN's training step; with stride 1 the input gradient is the
 * convolution of dy with the filter turned by 180° and its channels swapped,
 *
 *   dx[b, u, v, c] = Σ_{p,q,o} dy[b, u + top − p, v + left − q, o] · W[p, q, c, o],
 *
 * padded so that dx has the input's size, which wasm's XNNPACK convolution computes several
 * times faster. Other strides (and NCHW) go to the shipped kernel, kept as it was.
 */
export function registerWasmConv2dBackpropInput(): void {
  const tf = tfjs();
  const shipped = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (replaced || !shipped) return;
  const kernelFunc: KernelFunc = (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as KernelBackend;
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropInputAttrs;
    if (dataFormat !== 'NHWC') return shipped.kernelFunc(args);
    const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    const { filterHeight: fh, filterWidth: fw, inHeight, inWidth, outHeight, outWidth } = info;
    const top = fh - 1 - info.padInfo.top;
    const left = fw - 1 - info.padInfo.left;
    const bottom = inHeight - outHeight + fh - 1 - top;
    const right = inWidth - outWidth + fw - 1 - left;
    if (info.strideHeight !== 1 || info.strideWidth !== 1 || Math.min(top, left, bottom, right) < 0) return shipped.kernelFunc(args);
    const run = (kernel: string, kernelInputs: NamedTensorInfoMap, kernelAttrs: object) => runWasmKernel(backend, kernel, kernelInputs, kernelAttrs);
    const turned = run('Reverse', { x: filter }, { dims: [0, 1] });
    const swapped = run('Transpose', { x: turned }, { perm: [0, 1, 3, 2] });
    try {
      return run('Conv2D', { x: dy, filter: swapped }, { strides: [1, 1], pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dataFormat: 'NHWC', dilations: [1, 1] });
    } finally {
      backend.disposeData(turned.dataId);
      backend.disposeData(swapped.dataId);
    }
  };
  const config: KernelConfig = { ...shipped, kernelFunc };
  tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  tf.registerKernel(config);
  replaced = true;
}

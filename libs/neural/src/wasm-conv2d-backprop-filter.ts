import type { Conv2DBackpropFilterAttrs, KernelBackend, KernelConfig, KernelFunc, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import { tfjs } from './tfjs';
import { runWasmKernel } from './wasm-kernel-call';

/**
 * The filter gradient of a 2-D convolution for the wasm backend, which ships without it (so a
 * conv net cannot train there). It is itself a convolution, built from kernels wasm has:
 *
 *   dW[p, q, c, o] = Σ_{b,i,j} x[b, i·s + p − top, j·s + q − left, c] · dy[b, i, j, o]
 *
 * is a valid convolution of x seen as [c, H, W, b] (the batch as channels) with dy seen as a
 * filter [outH, outW, b, o], dilated by the forward stride s, whose first [fh, fw] outputs are
 * dW as [c, fh, fw, o]. The forward pass's padding is applied to x first, so 'same' and
 * explicit padding come out right.
 */
const conv2dBackpropFilter: KernelFunc = ({ inputs, backend: untyped, attrs }) => {
  const tf = tfjs();
  const backend = untyped as KernelBackend;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  if (dataFormat !== 'NHWC') throw new Error(`the wasm Conv2DBackpropFilter supports NHWC only, not ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const run = (kernel: string, kernelInputs: NamedTensorInfoMap, kernelAttrs: object) => runWasmKernel(backend, kernel, kernelInputs, kernelAttrs);
  const temporaries: TensorInfo[] = [];
  const keep = (t: TensorInfo) => (temporaries.push(t), t);
  try {
    const { top, bottom, left, right } = info.padInfo;
    const padded = top + bottom + left + right > 0 ? keep(run('PadV2', { x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 })) : x;
    const images = keep(run('Transpose', { x: padded }, { perm: [3, 1, 2, 0] }));
    const filter = keep(run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }));
    const full = keep(
      run('Conv2D', { x: images, filter }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [info.strideHeight, info.strideWidth] }),
    );
    const [fh, fw, inChannels, outChannels] = filterShape;
    const exact =
      full.shape[1] === fh && full.shape[2] === fw ? full : keep(run('Slice', { x: full }, { begin: [0, 0, 0, 0], size: [inChannels, fh, fw, outChannels] }));
    return run('Transpose', { x: exact }, { perm: [1, 2, 0, 3] });
  } finally {
    for (const t of temporaries) backend.disposeData(t.dataId);
  }
};

const CONFIG: KernelConfig = { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2dBackpropFilter };

/** Registers the kernel once per process; a later call (or a future tfjs that has it) is left alone. */
export function registerWasmConv2dBackpropFilter(): void {
  const tf = tfjs();
  if (tf.getKernel(CONFIG.kernelName, CONFIG.backendName)) return;
  tf.registerKernel(CONFIG);
}

import type * as Tf from '@tensorflow/tfjs';

/**
 * Floating-point operations of one image's forward pass: two (a multiply and an add) for each
 * multiply-add of the convolution, depthwise-convolution and dense layers, read from each
 * layer's kernel and output shapes, so a model built at another input size counts its own.
 * Batch normalization, activations, pooling and additions are left out, as the published
 * figures (ResNet-50's 8.2 GFLOP, MobileNetV2's 0.6 GFLOP at 224 × 224) leave them out: they
 * are a few percent of the work and run far below a backend's matMul rate anyway.
 */
export function flopsPerImage(model: Tf.LayersModel): number {
  return model.layers.reduce((sum, layer) => sum + 2 * multiplyAdds(layer), 0);
}

function multiplyAdds(layer: Tf.layers.Layer): number {
  const kind = layer.getClassName();
  if (kind !== 'Conv2D' && kind !== 'DepthwiseConv2D' && kind !== 'Dense') return 0;
  // A kernel's shape is always known; only a tensor's batch axis is left open (null).
  const kernel = (layer.weights[0]?.shape ?? []) as number[];
  const output = layer.outputShape as (number | null)[];
  // The output's positions: height × width for a convolution, any inner axes a dense layer keeps.
  const positions = output.slice(1, -1).reduce<number>((product, side) => product * (side ?? 1), 1);
  // Conv2D [kh, kw, in, out], DepthwiseConv2D [kh, kw, in, multiplier] and Dense [in, units]
  // alike: at each output position every kernel value takes part in exactly one multiply-add.
  return positions * kernel.reduce<number>((product, side) => product * side, 1);
}

import { InvalidParameterError } from '@gpulab/compute';
import { type Tf, tfjs } from '../tfjs';
import { type InkMass, inkMass } from './ink-mass';
import { type Layer, LayerChain } from './layer-chain';
import { checkPixelRange, inkThreshold, type PixelRange } from './pixel-range';
import { tidyResult } from './tidy-result';

export interface VisualBackpropOptions {
  /** @default [0, 1] */
  pixelRange?: PixelRange;
}

/** Release the tensors with `disposeResult(result)`. */
export interface VisualBackpropResult {
  /** [H, W], the input's height and width, normalized to 0..1. */
  mask: Tf.Tensor2D;
  /** The ReLU layers whose averaged maps were multiplied in, deepest first. */
  layers: string[];
  /** The convolutions and poolings whose window an all-ones deconvolution retraced, deepest first. */
  deconvolved: string[];
  inkMass: InkMass;
}

/** The geometry of a layer that slides a window over its input: a convolution or a pooling. */
interface Window {
  size: [number, number];
  strides: [number, number];
  padding: 'same' | 'valid';
}

/**
 * Bojarski et al. (2017), VisualBackProp: which input pixels contribute most to the network's
 * output, in one forward pass and no gradients. The feature maps of each ReLU layer are
 * averaged over channels; starting from the deepest, the average is scaled up to the previous
 * layer's resolution by a deconvolution with an all-ones kernel of the size and stride of each
 * layer in between (convolutions and poolings alike), multiplied point-wise with that layer's
 * average, and so on down to the input. Layers after the last feature maps (flatten, dense)
 * play no part, as in the paper.
 */
export function visualBackprop(model: Tf.LayersModel, input: Tf.Tensor, options: VisualBackpropOptions = {}): VisualBackpropResult {
  const tf = tfjs();
  const chain = LayerChain.of(model);
  const range = checkPixelRange(options.pixelRange);
  const [h, w] = chain.inputSize;
  // Feature maps end where the chain leaves the image plane (flatten).
  let spatialEnd = -1;
  while (spatialEnd + 1 < chain.layers.length && chain.shapeOf(spatialEnd + 1).length === 3) spatialEnd++;
  const mapLayers = chain.layers.map((_, i) => i).filter((i) => i <= spatialEnd && chain.isRelu(i));
  if (mapLayers.length === 0) {
    throw new InvalidParameterError('model', `VisualBackProp needs ReLU layers with feature maps; the model has none before it flattens (layers: ${chain.names.join(', ')})`);
  }
  const deepest = mapLayers[mapLayers.length - 1];
  const deconvolved: string[] = [];
  const result = tidyResult(() => {
    const x = chain.batchOfOne(input);
    const averages = new Map<number, Tf.Tensor4D>();
    chain.run(x, {
      to: deepest,
      onOutput: (i, out) => {
        if (mapLayers.includes(i)) averages.set(i, tf.mean(out, 3, true) as Tf.Tensor4D);
      },
    });
    // Each layer's input size, so a deconvolution lands on exactly the size the layer was given.
    const inputSizes = chain.layers.slice(0, deepest + 1).map((_, i) => (i === 0 ? [h, w] : chain.shapeOf(i - 1).slice(0, 2)));
    let mask = averages.get(deepest) as Tf.Tensor4D;
    for (let i = deepest; i >= 0; i--) {
      const average = averages.get(i);
      if (i !== deepest && average) mask = tf.mul(mask, average);
      // Rescaled by its maximum so that a deep chain cannot underflow; the final 0..1 scaling undoes any factor.
      mask = tf.div(mask, tf.maximum(tf.max(mask), 1e-30));
      const window = slidingWindow(chain.layers[i]);
      if (!window) continue;
      const [inH, inW] = inputSizes[i];
      mask = tf.conv2dTranspose(mask, tf.ones([window.size[0], window.size[1], 1, 1]) as Tf.Tensor4D, [1, inH, inW, 1], window.strides, window.padding);
      deconvolved.push(chain.names[i]);
    }
    const [min, max] = [tf.min(mask), tf.max(mask)];
    const normalized = tf.div(tf.sub(mask, min), tf.maximum(tf.sub(max, min), 1e-30)).reshape([h, w]) as Tf.Tensor2D;
    return { mask: normalized, inkMass: inkMass(normalized, x, inkThreshold(range)) };
  });
  return { ...result, layers: mapLayers.map((i) => chain.names[i]).reverse(), deconvolved };
}

/** A convolution's or pooling's window; undefined for layers that keep every position as it is. */
function slidingWindow(layer: Layer): Window | undefined {
  const l = layer as unknown as { kernelSize?: number[]; poolSize?: number[]; strides?: number[]; padding?: string; dataFormat?: string; dilationRate?: number[] };
  const size = l.kernelSize ?? l.poolSize;
  if (!size || size.length !== 2 || !l.strides) return undefined;
  if (l.dataFormat === 'channelsFirst') {
    throw new InvalidParameterError('model', `layer "${layer.name}" is channels-first; VisualBackProp takes channels-last layers`);
  }
  if (l.dilationRate && l.dilationRate.some((d) => d !== 1)) {
    throw new InvalidParameterError('model', `layer "${layer.name}" is dilated; VisualBackProp's deconvolution assumes undilated windows`);
  }
  if (l.padding !== 'same' && l.padding !== 'valid') {
    throw new InvalidParameterError('model', `layer "${layer.name}" has padding "${l.padding}"; VisualBackProp handles 'same' and 'valid'`);
  }
  return { size: [size[0], size[1]], strides: [l.strides[0], l.strides[1]], padding: l.padding };
}

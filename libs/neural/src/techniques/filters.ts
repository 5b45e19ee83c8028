import { InvalidParameterError } from '@gpulab/compute';
import { type Tf, tfjs } from '../tfjs';
import { LayerChain } from './layer-chain';
import { tidyResult } from './tidy-result';
import { quoteInput } from '@gpulab/contracts';

/** Release the tensors with `disposeResult(result)`. */
export interface FiltersResult {
  layer: string;
  /**
   * One tile per picture: [tiles, kh, kw, 1], or [filters, kh, kw, 3] when the layer sees RGB
   * images, so a first layer's filters show in the colours they respond to.
   */
  tiles: Tf.Tensor4D;
  /** A label per tile: `3` (filter 3), or `3:1` (filter 3, input channel 1) for deeper layers. */
  labels: string[];
  kernelSize: [height: number, width: number];
  inChannels: number;
  filters: number;
  /** Euclidean norm of each filter's weights: a filter near 0 has died or never learned. */
  norms: number[];
  min: number;
  max: number;
}

/**
 * The weights of a convolution layer as pictures. On the first layer they are what the
 * network looks for in the pixels (edges, strokes, blobs); on deeper layers one tile per filter
 * and input channel, which says little by itself and is why the lecture turns to activations.
 *
 * @param layer a layer with a 2-D kernel [kh, kw, in, out]. @default 'conv1'
 */
export function filters(model: Tf.LayersModel, layer = 'conv1'): FiltersResult {
  const tf = tfjs();
  const chain = LayerChain.of(model);
  const index = chain.find(layer);
  const kernel = chain.layers[index].getWeights().find((w) => w.rank === 4);
  if (!kernel) {
    const convs = chain.layers.filter((l) => l.getWeights().some((w) => w.rank === 4)).map((l) => l.name);
    throw new InvalidParameterError('layer', `layer ${quoteInput(layer)} has no 2-D convolution kernel; layers with one: ${convs.join(', ') || 'none'}`);
  }
  const [kh, kw, inChannels, count] = kernel.shape;
  return tidyResult(() => {
    // [kh, kw, in, out] → [out, kh, kw, in]: a filter per tile, its input channels last.
    const perFilter = tf.transpose(kernel, [3, 0, 1, 2]) as Tf.Tensor4D;
    const rgb = inChannels === 3;
    const tiles = rgb || inChannels === 1 ? perFilter : (tf.transpose(perFilter, [0, 3, 1, 2]).reshape([count * inChannels, kh, kw, 1]) as Tf.Tensor4D);
    const labels = rgb || inChannels === 1 ? range(count).map(String) : range(count).flatMap((f) => range(inChannels).map((c) => `${f}:${c}`));
    const norms = Array.from(tf.sqrt(tf.sum(tf.square(perFilter), [1, 2, 3])).dataSync());
    const values = kernel.dataSync();
    let [min, max] = [Infinity, -Infinity];
    for (const v of values) [min, max] = [Math.min(min, v), Math.max(max, v)];
    return { layer, tiles, labels, kernelSize: [kh, kw] as [number, number], inChannels, filters: count, norms, min, max };
  });
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

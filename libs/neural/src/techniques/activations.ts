import { InvalidParameterError } from '@gpulab/compute';
import { type Tf, tfjs } from '../tfjs';
import { argMax, LayerChain } from './layer-chain';
import { tidyResult } from './tidy-result';
import { quoteInput } from '@gpulab/contracts';

/** Release the tensors with `disposeResult(result)`. */
export interface ActivationsResult {
  layer: string;
  /** One map per channel, [channels, H, W]; a dense layer's units are 1 × 1 maps. */
  maps: Tf.Tensor3D;
  /** Largest value of each channel's map. */
  channelMax: number[];
  /** Mean of each channel's map. */
  channelMean: number[];
  /** Channels that are 0 everywhere for this input: after a ReLU, units this input never turns on. */
  silentChannels: number[];
}

/**
 * The feature maps a layer computes for one image: what each filter found where. For a
 * conv–ReLU layer these are the maps after the ReLU, which is what the next layer sees.
 *
 * @param input one image, [H, W, C] or [1, H, W, C], in the model's input size.
 */
export function activations(model: Tf.LayersModel, input: Tf.Tensor, layer: string): ActivationsResult {
  const chain = LayerChain.of(model);
  const index = chain.find(layer);
  return tidyResult(() => {
    const x = chain.batchOfOne(input);
    const maps = channelsFirst(chain.run(x, { to: index }));
    const channelMax = Array.from(tfjs().max(maps, [1, 2]).dataSync());
    const channelMean = Array.from(tfjs().mean(maps, [1, 2]).dataSync());
    const silentChannels = channelMax.flatMap((m, c) => (m === 0 && channelMean[c] === 0 ? [c] : []));
    return { layer, maps, channelMax, channelMean, silentChannels };
  });
}

export interface ActivationGradientsResult {
  layer: string;
  classIndex: number;
  /** The class's score (pre-softmax logit). */
  score: number;
  /** ∂ score / ∂ activation, signed, one map per channel: [channels, H, W]. */
  maps: Tf.Tensor3D;
  /**
   * Each channel's mean gradient: how much the class's score rises when the whole channel
   * does. Grad-CAM weighs the maps with these.
   */
  channelWeights: number[];
}

/**
 * Where a layer's activations matter to one class: the gradient of the class's score with
 * respect to the layer's output. Positive where more activation would raise the score.
 *
 * @param classIndex @default the predicted class
 */
export function activationGradients(model: Tf.LayersModel, input: Tf.Tensor, layer: string, classIndex?: number): ActivationGradientsResult {
  const tf = tfjs();
  const chain = LayerChain.of(model);
  const index = chain.find(layer);
  if (classIndex !== undefined) chain.checkClass(classIndex);
  if (index >= chain.scoreIndex) {
    const before = chain.names.slice(0, chain.scoreIndex);
    throw new InvalidParameterError('layer', `layer ${quoteInput(layer)} is not below the class scores ("${chain.names[chain.scoreIndex]}"); choose one of: ${before.join(', ')}`);
  }
  return tidyResult(() => {
    const x = chain.batchOfOne(input);
    const activation = chain.run(x, { to: index });
    const scores = chain.scores(activation, { from: index + 1 });
    const target = classIndex ?? argMax(scores.dataSync());
    const gradient = tf.grad((a: Tf.Tensor) => chain.scores(a, { from: index + 1 }).slice([0, target], [-1, 1]).sum())(activation);
    const maps = channelsFirst(gradient);
    return { layer, classIndex: target, score: scores.dataSync()[target], maps, channelWeights: Array.from(tf.mean(maps, [1, 2]).dataSync()) };
  });
}

/** One image's layer output [1, H, W, C] or [1, units] as maps [C, H, W] (units as 1 × 1). */
function channelsFirst(output: Tf.Tensor): Tf.Tensor3D {
  const tf = tfjs();
  if (output.rank === 4) return tf.transpose(output.squeeze([0]), [2, 0, 1]) as Tf.Tensor3D;
  return output.reshape([output.size, 1, 1]) as Tf.Tensor3D;
}

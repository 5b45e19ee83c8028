import { type Tf, tfjs } from '../tfjs';
import { type InkMass, inkMass } from './ink-mass';
import { argMax, LayerChain } from './layer-chain';
import { checkPixelRange, inkThreshold, type PixelRange } from './pixel-range';
import { tidyResult } from './tidy-result';

export interface SaliencyOptions {
  /** The input's value range; ink is brighter than its middle. @default [0, 1] */
  pixelRange?: PixelRange;
}

/** Release the tensors with `tf.dispose(result)`. */
export interface SaliencyResult {
  /** The class whose score was differentiated. */
  classIndex: number;
  /** The model's prediction for the input. */
  predictedClass: number;
  /** The class's score (a logit unless `scoreKind` is `output`). */
  score: number;
  probability: number;
  scoreKind: 'logit' | 'output';
  /** |∂ score / ∂ x|, the maximum over channels: [H, W], the heat map. */
  map: Tf.Tensor2D;
  /** ∂ score / ∂ x with its sign: [H, W, C]. */
  gradient: Tf.Tensor3D;
  /** The map's mass per pixel on the strokes against the background. */
  inkMass: InkMass;
}

/**
 * Simonyan, Vedaldi & Zisserman (2014), image-specific class saliency: how much a small change
 * of each pixel changes the class's score. The score is the pre-softmax logit, as in the paper:
 * the probability's gradient also moves with every other class's score, so it can point at
 * evidence against the others rather than for this class.
 *
 * @param input one image, [H, W, C] or [1, H, W, C], in the model's input size.
 * @param classIndex @default the predicted class
 */
export function saliency(model: Tf.LayersModel, input: Tf.Tensor, classIndex?: number, options: SaliencyOptions = {}): SaliencyResult {
  const tf = tfjs();
  const chain = LayerChain.of(model);
  const range = checkPixelRange(options.pixelRange);
  if (classIndex !== undefined) chain.checkClass(classIndex);
  const [h, w, c] = chain.inputSize;
  return tidyResult(() => {
    const x = chain.batchOfOne(input);
    const scores = chain.scores(x);
    const predictedClass = argMax(scores.dataSync());
    const target = classIndex ?? predictedClass;
    const probabilities = chain.probabilities(scores).dataSync();
    const gradient = tf.grad((image: Tf.Tensor) => chain.scores(image).slice([0, target], [-1, 1]).sum())(x);
    const map = tf.max(tf.abs(gradient), 3).reshape([h, w]) as Tf.Tensor2D;
    return {
      classIndex: target,
      predictedClass,
      score: scores.dataSync()[target],
      probability: probabilities[target],
      scoreKind: chain.scoreKind,
      map,
      gradient: gradient.reshape([h, w, c]) as Tf.Tensor3D,
      inkMass: inkMass(map, x, inkThreshold(range)),
    };
  });
}

import { InvalidParameterError } from '@gpulab/compute';
import { type Tf, tfjs } from '../tfjs';
import { argMax, LayerChain } from './layer-chain';
import { checkPixelRange, type PixelRange } from './pixel-range';
import { tidyResult } from './tidy-result';

export interface FgsmOptions {
  /** The inputs' value range: the step is ε times its width, and x' is clipped to it. @default [0, 1] */
  pixelRange?: PixelRange;
}

/** One input before and after the attack. */
export interface FgsmExample {
  label: number;
  originalClass: number;
  /** Softmax probability of `originalClass`. */
  originalConfidence: number;
  adversarialClass: number;
  adversarialConfidence: number;
  /** The original prediction was right and the adversarial one is not. */
  flipped: boolean;
}

/** Release the tensors with `disposeResult(result)`. */
export interface FgsmResult {
  epsilon: number;
  /** x' = clip(x + ε · sign(∇ₓ J)), the inputs' shape [N, H, W, C]. */
  adversarial: Tf.Tensor4D;
  /** x' − x, [N, H, W, C]: at most ε (times the range's width) per pixel, less where clipping cut it. */
  perturbation: Tf.Tensor4D;
  examples: FgsmExample[];
  /** Inputs the model classified correctly before the attack. */
  correct: number;
  /** Of those, how many the attack moved to a wrong class. */
  flipped: number;
  /** `flipped / correct`: the attack's success rate; NaN when nothing was classified correctly. */
  successRate: number;
  /** Accuracy on the inputs before and after. */
  accuracyBefore: number;
  accuracyAfter: number;
}

/**
 * Goodfellow, Shlens & Szegedy (2015), the fast gradient sign method: one step of size ε in
 * the direction of the sign of the loss's gradient, J the cross-entropy of the true label. In
 * high dimensions many tiny changes add up: ε = 0.1 of the pixel range is barely visible on a
 * digit and flips most predictions of an undefended network.
 *
 * @param inputs [N, H, W, C], or one image.
 * @param labels the true class of each input.
 * @param epsilon the step as a share of the pixel range, in (0, 1].
 */
export function fgsm(model: Tf.LayersModel, inputs: Tf.Tensor, labels: ArrayLike<number>, epsilon: number, options: FgsmOptions = {}): FgsmResult {
  const tf = tfjs();
  const chain = LayerChain.of(model);
  const range = checkPixelRange(options.pixelRange);
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon <= 0 || epsilon > 1) {
    throw new InvalidParameterError('epsilon', `epsilon must be in (0, 1], a share of the pixel range (0.1 is a typical attack), not ${String(epsilon)}`);
  }
  return tidyResult(() => {
    const x = chain.batch(inputs);
    const n = x.shape[0];
    if (labels.length !== n) throw new InvalidParameterError('labels', `there are ${n} inputs but ${labels.length} labels`);
    const truth = Array.from(labels, (label, i) => chain.checkClass(label, `labels[${i}]`));
    const oneHot = tf.oneHot(tf.tensor1d(truth, 'int32'), chain.classes);
    // Each example's loss depends on its own pixels only, so the sum's gradient is the per-example gradients.
    const gradient = tf.grad((images: Tf.Tensor) => tf.losses.softmaxCrossEntropy(oneHot, chain.scores(images), undefined, undefined, tf.Reduction.SUM))(x);
    const [min, max] = range;
    const adversarial = tf.clipByValue(tf.add(x, tf.mul(tf.sign(gradient), epsilon * (max - min))), min, max) as Tf.Tensor4D;
    const before = predictions(chain, x);
    const after = predictions(chain, adversarial);
    const examples = truth.map((label, i) => ({
      label,
      originalClass: before[i].class,
      originalConfidence: before[i].confidence,
      adversarialClass: after[i].class,
      adversarialConfidence: after[i].confidence,
      flipped: before[i].class === label && after[i].class !== label,
    }));
    const correct = examples.filter((e) => e.originalClass === e.label).length;
    const flipped = examples.filter((e) => e.flipped).length;
    return {
      epsilon,
      adversarial,
      perturbation: tf.sub(adversarial, x) as Tf.Tensor4D,
      examples,
      correct,
      flipped,
      successRate: correct > 0 ? flipped / correct : NaN,
      accuracyBefore: correct / n,
      accuracyAfter: examples.filter((e) => e.adversarialClass === e.label).length / n,
    };
  });
}

function predictions(chain: LayerChain, x: Tf.Tensor): { class: number; confidence: number }[] {
  const probabilities = chain.probabilities(chain.scores(x));
  const [n, k] = probabilities.shape;
  const values = probabilities.dataSync();
  return Array.from({ length: n }, (_, i) => {
    const row = values.subarray(i * k, (i + 1) * k);
    const best = argMax(row);
    return { class: best, confidence: row[best] };
  });
}

import { InvalidParameterError } from '@gpulab/compute';
import { type Tf, tfjs } from '../tfjs';
import { betweenIterations, type IterationOptions, numberOption, REPORT_EVERY, wholeOption } from './iteration';
import { LayerChain } from './layer-chain';
import { checkPixelRange, type PixelRange } from './pixel-range';

export interface DeepDreamProgress {
  octave: number;
  octaves: number;
  iteration: number;
  iterations: number;
  /** ½‖a‖² at the octave's size. */
  objective: number;
}

export interface DeepDreamOptions extends IterationOptions<DeepDreamProgress> {
  /** The layer whose activations are amplified. @default the deepest ReLU layer with feature maps (before the flatten) */
  layer?: string;
  /** Gradient-ascent steps per octave. @default 20 */
  iterations?: number;
  /** Each step moves the image by this much of the pixel range, over the gradient's mean absolute value. @default 0.02 */
  stepSize?: number;
  /** Scales, the smallest first; 1 dreams at the input's size only. @default 3 */
  octaves?: number;
  /** Each octave is this much larger than the one before. @default 1.4 */
  octaveScale?: number;
  /** Clips the image to the pixel range after each step. @default true */
  clip?: boolean;
  /** @default [0, 1] */
  pixelRange?: PixelRange;
}

/** Release the tensor with `disposeResult(result)`. */
export interface DeepDreamResult {
  layer: string;
  /** [H, W, C], the input's shape. */
  image: Tf.Tensor3D;
  /** ½‖a‖² of the layer's activations for the input and for the dream, both at the input's size. */
  objectiveBefore: number;
  objectiveAfter: number;
  /** The octaves' sizes, [height, width], smallest first. */
  sizes: [number, number][];
  /** Whether the octaves ran at their own size (a convolutional prefix) or were resized to the model's input size for the forward pass. */
  nativeScales: boolean;
}

const SMALLEST_SIDE = 8;

/**
 * Mordvintsev et al. (2015), DeepDream: gradient ascent on ½‖a‖² of a layer's activations,
 * which amplifies whatever the layer already sees in the image. Over octaves: the image is
 * shrunk, dreamed on, enlarged, and the detail the dream added is carried to the next larger
 * scale, so features grow at several sizes. Each step is normalized by the gradient's mean
 * absolute value, so one step size suits every layer.
 *
 * A layer before the flatten is computed by the convolutional prefix alone, which runs at any
 * image size; for a later layer each octave's image is resized to the model's input size inside
 * the forward pass, so the gradient still reaches the small image.
 */
export async function deepDream(model: Tf.LayersModel, input: Tf.Tensor, options: DeepDreamOptions = {}): Promise<DeepDreamResult> {
  const tf = tfjs();
  const chain = LayerChain.of(model);
  const flattenAt = chain.layers.findIndex((_, i) => chain.shapeOf(i).length !== 3);
  const prefix = chain.layers.map((_, i) => i).slice(0, flattenAt < 0 ? chain.layers.length : flattenAt);
  const deepestRelu = prefix.filter((i) => chain.isRelu(i)).pop() ?? prefix.pop();
  const layer = options.layer ?? (deepestRelu === undefined ? undefined : chain.names[deepestRelu]);
  if (layer === undefined) throw new InvalidParameterError('layer', `the model has no layer with feature maps to dream on (layers: ${chain.names.join(', ')})`);
  const index = chain.find(layer);
  const iterations = wholeOption('iterations', options.iterations, 20, 1, 100_000);
  const stepSize = numberOption('stepSize', options.stepSize, 0.02, 0, 10, true);
  const octaves = wholeOption('octaves', options.octaves, 3, 1, 20);
  const octaveScale = numberOption('octaveScale', options.octaveScale, 1.4, 1, 10, true);
  const [min, max] = checkPixelRange(options.pixelRange);
  const clip = options.clip ?? true;
  const [h, w, c] = chain.inputSize;
  const sizes = Array.from({ length: octaves }, (_, k) => {
    const f = octaveScale ** (octaves - 1 - k);
    return [Math.round(h / f), Math.round(w / f)] as [number, number];
  });
  if (Math.min(...sizes[0]) < SMALLEST_SIDE) {
    throw new InvalidParameterError('octaves', `${octaves} octaves of scale ${octaveScale} shrink the ${h}x${w} input to ${sizes[0].join('x')}, below ${SMALLEST_SIDE} pixels a side; use fewer octaves or a smaller octaveScale`);
  }
  const nativeScales = index < (flattenAt < 0 ? chain.layers.length : flattenAt);
  const activationsOf = (x: Tf.Tensor4D) => {
    const sized = nativeScales || (x.shape[1] === h && x.shape[2] === w) ? x : tf.image.resizeBilinear(x, [h, w]);
    return chain.run(sized, { to: index });
  };
  const objective = (x: Tf.Tensor) => tf.mul(0.5, tf.sum(tf.square(activationsOf(x as Tf.Tensor4D)))) as Tf.Scalar;
  const measure = (x: Tf.Tensor4D) => tf.tidy(() => objective(x).dataSync()[0]);

  const base = tf.tidy(() => chain.batchOfOne(input).clone());
  // The input at each octave's size, smallest first.
  const bases = sizes.map(([sh, sw]) => (sh === h && sw === w ? base : tf.image.resizeBilinear(base, [sh, sw])));
  let detail: Tf.Tensor4D = tf.zeros([1, ...sizes[0], c]);
  let image: Tf.Tensor4D | undefined;
  try {
    const objectiveBefore = measure(base);
    for (let octave = 0; octave < octaves; octave++) {
      const [sh, sw] = sizes[octave];
      if (detail.shape[1] !== sh || detail.shape[2] !== sw) {
        const larger: Tf.Tensor4D = tf.image.resizeBilinear(detail, [sh, sw]);
        detail.dispose();
        detail = larger;
      }
      image?.dispose();
      image = tf.add(bases[octave], detail);
      for (let iteration = 1; iteration <= iterations; iteration++) {
        const current: Tf.Tensor4D = image;
        const next = tf.tidy(() => {
          const gradient = tf.grad(objective)(current);
          const scale = tf.add(tf.mean(tf.abs(gradient)), 1e-8);
          const stepped = tf.add(current, tf.mul(tf.div(gradient, scale), stepSize * (max - min)));
          return (clip ? tf.clipByValue(stepped, min, max) : stepped) as Tf.Tensor4D;
        });
        current.dispose();
        image = next;
        if (iteration % REPORT_EVERY === 0 || iteration === iterations) {
          const value = measure(next);
          await betweenIterations(options, () => ({ octave: octave + 1, octaves, iteration, iterations, objective: value }));
        }
      }
      const added: Tf.Tensor4D = tf.sub(image, bases[octave]);
      detail.dispose();
      detail = added;
    }
    const dream = image as Tf.Tensor4D;
    return {
      layer,
      image: tf.tidy(() => dream.reshape([h, w, c])),
      objectiveBefore,
      objectiveAfter: measure(dream),
      sizes,
      nativeScales,
    };
  } finally {
    tf.dispose([base, ...bases, detail]);
    image?.dispose();
  }
}

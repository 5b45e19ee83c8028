import { InvalidParameterError, seededRandom } from '@gpulab/compute';
import { type Tf, tfjs } from '../tfjs';
import { gaussianBlur, roll } from './image-ops';
import { betweenIterations, type IterationOptions, numberOption, REPORT_EVERY, wholeOption } from './iteration';
import { LayerChain } from './layer-chain';
import { checkPixelRange, type PixelRange } from './pixel-range';
import { quoteInput } from '@gpulab/contracts';

export interface ClassModelProgress {
  iteration: number;
  iterations: number;
  /** The target class's logit now. */
  logit: number;
}

export interface ClassModelOptions extends IterationOptions<ClassModelProgress> {
  /** Gradient-ascent steps. @default 200 */
  iterations?: number;
  /** Step size of plain gradient ascent. @default 1 */
  learningRate?: number;
  /** λ of the L2 penalty λ‖x‖² subtracted from the score. @default 0.05 */
  l2?: number;
  /** Largest random shift, in pixels, applied before each step and undone after. 0: none. @default 1 */
  jitter?: number;
  /** σ, in pixels, of a Gaussian blur applied every {@link blurEvery} steps. 0: none. @default 0.5 */
  blur?: number;
  /** @default 10 */
  blurEvery?: number;
  /** The starting image: all zeros, or uniform noise over a tenth of the pixel range. @default 'zeros' */
  from?: 'zeros' | 'random';
  /** Seeds the noise and the jitter. @default 0 */
  seed?: number;
  /** Clips the image to the pixel range after each step, so it stays a possible input. @default false */
  clip?: boolean;
  /** @default [0, 1] */
  pixelRange?: PixelRange;
}

/** Release the tensor with `disposeResult(result)`. */
export interface ClassModelResult {
  classIndex: number;
  /** The image, [H, W, C]; unbounded unless `clip` was set. */
  image: Tf.Tensor3D;
  /** The class's logit at the starting image and at the result. */
  logitBefore: number;
  logitAfter: number;
  /** `logitAfter / logitBefore` when the start was positive; NaN otherwise (a rise from ≤ 0 has no factor). */
  factor: number;
  probabilityBefore: number;
  probabilityAfter: number;
  /** The logit every {@link REPORT_EVERY} steps. */
  history: { iteration: number; logit: number }[];
}

/**
 * Simonyan, Vedaldi & Zisserman (2014), class model visualization: the image that maximizes a
 * class's score S_c(x) − λ‖x‖², found by gradient ascent from a blank (or noisy) image. The
 * score is the pre-softmax logit: maximizing the probability could also succeed by lowering the
 * other classes. Jitter and blur (Yosinski et al. 2015) keep the image from turning into
 * high-frequency noise that scores well but shows nothing.
 */
export async function classModel(model: Tf.LayersModel, classIndex: number, options: ClassModelOptions = {}): Promise<ClassModelResult> {
  const tf = tfjs();
  const chain = LayerChain.of(model);
  chain.checkClass(classIndex);
  const iterations = wholeOption('iterations', options.iterations, 200, 1, 100_000);
  const learningRate = numberOption('learningRate', options.learningRate, 1, 0, 1e6, true);
  const l2 = numberOption('l2', options.l2, 0.05, 0, 1e6);
  const jitter = wholeOption('jitter', options.jitter, 1, 0, Math.min(...chain.inputSize.slice(0, 2)) - 1);
  const blur = numberOption('blur', options.blur, 0.5, 0, 100);
  const blurEvery = wholeOption('blurEvery', options.blurEvery, 10, 1, 100_000);
  const seed = wholeOption('seed', options.seed, 0, 0, 2 ** 31 - 1);
  const [min, max] = checkPixelRange(options.pixelRange);
  const from = options.from ?? 'zeros';
  if (from !== 'zeros' && from !== 'random') throw new InvalidParameterError('from', `from must be zeros or random, not ${quoteInput(from)}`);
  const random = seededRandom(seed);
  const shape: [number, number, number, number] = [1, ...chain.inputSize];

  let image: Tf.Tensor4D =
    from === 'random' ? tf.randomUniform(shape, min, min + (max - min) / 10, 'float32', seed) : tf.fill(shape, min);
  const measure = (x: Tf.Tensor4D) =>
    tf.tidy(() => {
      const scores = chain.scores(x);
      return { logit: scores.dataSync()[classIndex], probability: chain.probabilities(scores).dataSync()[classIndex] };
    });
  const start = measure(image);
  const history = [{ iteration: 0, logit: start.logit }];
  const objective = (x: Tf.Tensor) => tf.sub(chain.scores(x).slice([0, classIndex], [-1, 1]).sum(), tf.mul(l2, tf.sum(tf.square(x)))) as Tf.Scalar;
  try {
    for (let iteration = 1; iteration <= iterations; iteration++) {
      const [dy, dx] = jitter > 0 ? [randomShift(random, jitter), randomShift(random, jitter)] : [0, 0];
      const next = tf.tidy(() => {
        const shifted = roll(image, dy, dx);
        const gradient = roll(tf.grad(objective)(shifted) as Tf.Tensor4D, -dy, -dx);
        let x: Tf.Tensor4D = tf.add(image, tf.mul(gradient, learningRate));
        if (blur > 0 && iteration % blurEvery === 0) x = gaussianBlur(x, blur);
        return options.clip ? (tf.clipByValue(x, min, max) as Tf.Tensor4D) : x;
      });
      image.dispose();
      image = next;
      if (iteration % REPORT_EVERY === 0 || iteration === iterations) {
        const { logit } = measure(image);
        history.push({ iteration, logit });
        await betweenIterations(options, () => ({ iteration, iterations, logit }));
      }
    }
    const end = measure(image);
    return {
      classIndex,
      image: tf.tidy(() => image.reshape(chain.inputSize as [number, number, number])),
      logitBefore: start.logit,
      logitAfter: end.logit,
      factor: start.logit > 0 ? end.logit / start.logit : NaN,
      probabilityBefore: start.probability,
      probabilityAfter: end.probability,
      history,
    };
  } finally {
    image.dispose();
  }
}

function randomShift(random: () => number, jitter: number): number {
  return Math.floor(random() * (2 * jitter + 1)) - jitter;
}

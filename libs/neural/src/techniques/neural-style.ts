import { InvalidParameterError } from '@gpulab/compute';
import { type Tf, tfjs } from '../tfjs';
import { betweenIterations, type IterationOptions, numberOption, REPORT_EVERY, wholeOption } from './iteration';
import { LayerChain } from './layer-chain';
import { checkPixelRange, type PixelRange } from './pixel-range';

export interface NeuralStyleLosses {
  iteration: number;
  /** ½ Σ (F − P)² at the content layer. */
  content: number;
  /** Σ_l w_l · Σ (G_l − A_l)² / (4 N_l²), w_l = 1 / (number of style layers). */
  style: number;
  /** α · content + β · style, what the optimizer lowers. */
  total: number;
}

export interface NeuralStyleProgress extends NeuralStyleLosses {
  iterations: number;
}

export interface NeuralStyleOptions extends IterationOptions<NeuralStyleProgress> {
  /** @default the deepest ReLU layer with feature maps */
  contentLayer?: string;
  /** @default every ReLU layer with feature maps */
  styleLayers?: readonly string[];
  /** Weight α of the content loss. @default 1 */
  alpha?: number;
  /**
   * Weight β of the style loss. The content loss is a sum over a layer's activations and the
   * style loss a mean of Gram differences, so β is large: with 10⁶ on the MNIST CNN the style
   * loss falls about 30× in 200 steps while the image keeps part of its content.
   * @default 1000000
   */
  beta?: number;
  /** Adam steps. @default 200 */
  iterations?: number;
  /** Adam's step size, in units of the pixel range. @default 0.02 */
  learningRate?: number;
  /** Clips the image to the pixel range after each step. @default true */
  clip?: boolean;
  /** @default [0, 1] */
  pixelRange?: PixelRange;
}

/** Release the tensor with `disposeResult(result)`. */
export interface NeuralStyleResult {
  /** [H, W, C]. */
  image: Tf.Tensor3D;
  contentLayer: string;
  styleLayers: string[];
  alpha: number;
  beta: number;
  /** The losses after each number of steps, from 0 (the content image) to `iterations`. */
  history: NeuralStyleLosses[];
  /** Style loss at the start over style loss at the end: how many times it fell. */
  styleReduction: number;
}

/**
 * Gatys, Ecker & Bethge (2016), neural style transfer: an image whose activations at one layer
 * match the content image's (content loss on the raw activations) and whose Gram matrices at
 * the style layers match the style image's (style loss). A Gram matrix G = VᵀV / M, with V a
 * layer's activations as M positions × N channels, says which features occur together,
 * wherever they are; that is style without layout. The image starts as the content image and
 * Adam lowers α · content + β · style.
 *
 * @param content, style one image each, [H, W, C] or [1, H, W, C], in the model's input size.
 */
export async function neuralStyle(model: Tf.LayersModel, content: Tf.Tensor, style: Tf.Tensor, options: NeuralStyleOptions = {}): Promise<NeuralStyleResult> {
  const tf = tfjs();
  const chain = LayerChain.of(model);
  const reluMaps = chain.names.filter((_, i) => chain.isRelu(i) && chain.shapeOf(i).length === 3);
  if (reluMaps.length === 0 && (options.contentLayer === undefined || options.styleLayers === undefined)) {
    throw new InvalidParameterError('styleLayers', `the model has no ReLU layer with feature maps to default to; name contentLayer and styleLayers (layers: ${chain.names.join(', ')})`);
  }
  const contentLayer = options.contentLayer ?? reluMaps[reluMaps.length - 1];
  const contentIndex = chain.findSpatial(contentLayer, 'contentLayer');
  const styleLayers = [...(options.styleLayers ?? reluMaps)];
  if (styleLayers.length === 0) throw new InvalidParameterError('styleLayers', 'styleLayers must name at least one layer');
  const styleIndices = styleLayers.map((name) => chain.findSpatial(name, 'styleLayers'));
  const alpha = numberOption('alpha', options.alpha, 1, 0, 1e12);
  const beta = numberOption('beta', options.beta, 1_000_000, 0, 1e15);
  const iterations = wholeOption('iterations', options.iterations, 200, 1, 100_000);
  const learningRate = numberOption('learningRate', options.learningRate, 0.02, 0, 10, true);
  const [min, max] = checkPixelRange(options.pixelRange);
  const clip = options.clip ?? true;
  const deepest = Math.max(contentIndex, ...styleIndices);

  /** The content layer's activations and the style layers' Gram matrices of a batch of one. */
  const features = (x: Tf.Tensor) => {
    const outputs = new Map<number, Tf.Tensor>();
    chain.run(x, { to: deepest, onOutput: (i, out) => outputs.set(i, out) });
    return { content: outputs.get(contentIndex) as Tf.Tensor, grams: styleIndices.map((i) => gram(outputs.get(i) as Tf.Tensor4D)) };
  };
  chain.checkImage(content, 'content');
  chain.checkImage(style, 'style');
  const contentImage = chain.batchOfOne(content, 'content');
  const styleImage = chain.batchOfOne(style, 'style');
  const targets = tf.tidy(() => ({ content: features(contentImage).content, grams: features(styleImage).grams }));
  // The variable starts on the content image's data; each step's assign moves it to data of its own.
  const image = tf.variable(contentImage, true);
  const optimizer = tf.train.adam(learningRate * (max - min));
  const losses = (x: Tf.Tensor) => {
    const f = features(x);
    const contentLoss = tf.mul(0.5, tf.sum(tf.squaredDifference(f.content, targets.content))) as Tf.Scalar;
    const perLayer = f.grams.map((g, l) => {
      const n = g.shape[0];
      return tf.div(tf.sum(tf.squaredDifference(g, targets.grams[l])), 4 * n * n);
    });
    const styleLoss = tf.div(tf.addN(perLayer), perLayer.length) as Tf.Scalar;
    return { contentLoss, styleLoss, total: tf.add(tf.mul(alpha, contentLoss), tf.mul(beta, styleLoss)) as Tf.Scalar };
  };
  const record = (iteration: number, contentLoss: Tf.Scalar, styleLoss: Tf.Scalar): NeuralStyleLosses => {
    const [c, s] = [contentLoss.dataSync()[0], styleLoss.dataSync()[0]];
    return { iteration, content: c, style: s, total: alpha * c + beta * s };
  };
  try {
    const history: NeuralStyleLosses[] = [];
    for (let iteration = 1; iteration <= iterations; iteration++) {
      let kept: Tf.Scalar[] = [];
      optimizer.minimize(() => {
        const l = losses(image);
        kept = [tf.keep(l.contentLoss), tf.keep(l.styleLoss)];
        return l.total;
      }, false, [image]);
      if (clip) tf.tidy(() => image.assign(tf.clipByValue(image, min, max)));
      // The step computed the losses of the image it started from, so a step costs one forward pass, not two.
      history.push(record(iteration - 1, kept[0], kept[1]));
      tf.dispose(kept);
      if (iteration % REPORT_EVERY === 0 || iteration === iterations) {
        const last = history[history.length - 1];
        await betweenIterations(options, () => ({ ...last, iterations }));
      }
    }
    const [contentLoss, styleLoss] = tf.tidy(() => {
      const l = losses(image);
      return [l.contentLoss, l.styleLoss];
    });
    history.push(record(iterations, contentLoss, styleLoss));
    tf.dispose([contentLoss, styleLoss]);
    const final = history[history.length - 1];
    const [h, w, c] = chain.inputSize;
    return {
      image: tf.tidy(() => image.reshape([h, w, c])),
      contentLayer,
      styleLayers,
      alpha,
      beta,
      history,
      styleReduction: history[0].style / final.style,
    };
  } finally {
    tf.dispose([image, targets.content, ...targets.grams]);
    optimizer.dispose();
    if (contentImage !== content) contentImage.dispose();
    if (styleImage !== style) styleImage.dispose();
  }
}

/** G = VᵀV / M for one image's maps [1, H, W, N]: V is M = H·W positions × N channels. */
function gram(maps: Tf.Tensor4D): Tf.Tensor2D {
  const tf = tfjs();
  const [, h, w, n] = maps.shape;
  const v = maps.reshape([h * w, n]) as Tf.Tensor2D;
  return tf.div(tf.matMul(v, v, true, false), h * w);
}

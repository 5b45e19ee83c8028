import type * as Tf from '@tensorflow/tfjs';
import { InvalidParameterError } from '@gpulab/compute';
import { type ImageShape } from './image-shape';
import { tfjs } from './tfjs';

export interface CnnOptions {
  /** One input image: height, width, channels. */
  imageShape: ImageShape;
  /** Number of classes: units of `logits` and `softmax`. */
  classes: number;
  /** Filters of each conv–ReLU–pool block, first to last. @default [16, 32] */
  blocks?: readonly number[];
  /** Side of the square convolution kernels, in pixels. @default 3 */
  kernelSize?: number;
  /** Units of the fully connected ReLU layer `dense1` before the class scores; 0 leaves it out. @default 64 */
  dense?: number;
  /** Dropout rate after `dense1` (layer `dropout1`); 0 leaves it out. @default 0 */
  dropout?: number;
  /**
   * Multiplies the input first (layer `scale`), so the saved model takes the data as uploaded,
   * e.g. 1/255 for byte pixels. 1 leaves the layer out. @default 1
   */
  inputScale?: number;
  /** Seeds every initializer: the same seed gives the same initial weights. @default 0 */
  seed?: number;
}

export const CNN_DEFAULTS = { blocks: [16, 32], kernelSize: 3, dense: 64, dropout: 0, inputScale: 1, seed: 0 } as const;

/**
 * The lecture's convolutional classifier: blocks of a 'same'-padded convolution with ReLU
 * (`conv1`, `conv2`, …; its output is the block's feature maps after the ReLU) and 2 × 2 max
 * pooling (`pool1`, …), then `flatten`, a fully connected ReLU layer `dense1`, the class scores
 * `logits` (linear) and `softmax`. The scores are a layer of their own, before a separate
 * softmax, because saliency and class-visualization techniques differentiate the score of one
 * class, which the softmax would mix with all the others.
 */
export function buildCnn(options: CnnOptions): Tf.Sequential {
  const tf = tfjs();
  const o = { ...CNN_DEFAULTS, ...options };
  checkCnnShape(o.imageShape, o.blocks);
  // One seed per layer, so no two layers draw the same numbers.
  let layerSeed = o.seed * 1000;
  const he = () => tf.initializers.heNormal({ seed: ++layerSeed });
  const model = tf.sequential({ name: 'cnn' });
  const inputShape = [...o.imageShape];
  if (o.inputScale !== 1) model.add(tf.layers.rescaling({ name: 'scale', scale: o.inputScale, inputShape }));
  o.blocks.forEach((filters, i) => {
    model.add(
      tf.layers.conv2d({
        name: `conv${i + 1}`,
        filters,
        kernelSize: o.kernelSize,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: he(),
        ...(model.layers.length === 0 ? { inputShape } : {}),
      }),
    );
    model.add(tf.layers.maxPooling2d({ name: `pool${i + 1}`, poolSize: 2, strides: 2 }));
  });
  model.add(tf.layers.flatten({ name: 'flatten', ...(model.layers.length === 0 ? { inputShape } : {}) }));
  if (o.dense > 0) {
    model.add(tf.layers.dense({ name: 'dense1', units: o.dense, activation: 'relu', kernelInitializer: he() }));
    if (o.dropout > 0) model.add(tf.layers.dropout({ name: 'dropout1', rate: o.dropout }));
  }
  model.add(tf.layers.dense({ name: 'logits', units: o.classes, kernelInitializer: tf.initializers.glorotUniform({ seed: ++layerSeed }) }));
  model.add(tf.layers.activation({ name: 'softmax', activation: 'softmax' }));
  return model;
}

/** Refuses more pooling blocks than the image has pixels for, naming the largest that fits. */
export function checkCnnShape(imageShape: ImageShape, blocks: readonly number[]): void {
  const [height, width] = imageShape;
  const fits = Math.floor(Math.log2(Math.min(height, width)));
  if (blocks.length > fits) {
    throw new InvalidParameterError(
      'blocks',
      `${blocks.length} blocks halve ${height}x${width} images ${blocks.length} times, below one pixel; at most ${fits} block${fits === 1 ? '' : 's'} fit`,
    );
  }
}

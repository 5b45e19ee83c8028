import { InvalidParameterError } from '@gpulab/compute';
import { type Tf, tfjs } from '../tfjs';

export interface FitImageOptions {
  /**
   * Replaces each value v by 1 − v (after the size and channels fit): a digit drawn dark on
   * light paper becomes MNIST's light stroke on a dark background. @default false
   */
  invert?: boolean;
}

/** Release `image` with `image.dispose()`. */
export interface FittedImage {
  /** [height, width, channels] of the model's input, values 0..1. */
  image: Tf.Tensor3D;
  /** Whether the size changed. */
  resized: boolean;
  /** Whether the channels changed (RGB → gray or gray → RGB). */
  converted: boolean;
  /** What was done, as sentences for the job's log and result. */
  notes: string[];
}

/** ITU-R BT.601 luma weights, what most image libraries use to turn RGB into gray. */
const LUMA = [0.299, 0.587, 0.114] as const;

/**
 * Brings an image [H, W, C] (values 0..1, e.g. from `decodeImage`) to the model's input
 * `[height, width, channels]`: resized bilinearly (after averaging blocks of pixels when it
 * shrinks by 2 or more, so thin strokes are not skipped), RGB turned into gray by luminance or
 * gray repeated into RGB. Every change is said in `notes`, with a warning when the picture
 * looks like dark ink on light paper, the opposite of MNIST.
 */
export function fitImage(image: Tf.Tensor3D, size: readonly [height: number, width: number, channels: number], options: FitImageOptions = {}): FittedImage {
  const tf = tfjs();
  const [height, width, channels] = size;
  if (![1, 3].includes(channels)) throw new InvalidParameterError('size', `the model must take 1 or 3 channels, not ${channels}`);
  const [h, w, c] = image.shape;
  if (![1, 3].includes(c)) throw new InvalidParameterError('image', `the image must have 1 or 3 channels, not ${c}`);
  const notes: string[] = [];
  const resized = h !== height || w !== width;
  const converted = c !== channels;
  const fitted = tf.tidy(() => {
    let x: Tf.Tensor3D = image;
    if (resized) {
      const [bh, bw] = [Math.max(1, Math.floor(h / height)), Math.max(1, Math.floor(w / width))];
      const averaged = bh > 1 || bw > 1;
      if (averaged) x = tf.avgPool(x, [bh, bw], [bh, bw], 'valid');
      x = tf.image.resizeBilinear(x, [height, width], false, true);
      const stretch = Math.abs(w / h - width / height) > 0.01 * (width / height);
      notes.push(
        `resized from ${w}x${h} to ${width}x${height} pixels (${averaged ? `averaged over ${bw}x${bh} blocks, then ` : ''}bilinear)${stretch ? `; the aspect ratio changed from ${(w / h).toFixed(2)} to ${(width / height).toFixed(2)}` : ''}`,
      );
    }
    if (c === 3 && channels === 1) {
      x = tf.sum(tf.mul(x, tf.tensor1d([...LUMA])), 2, true);
      notes.push(`converted RGB to gray by luminance (${LUMA[0]} R + ${LUMA[1]} G + ${LUMA[2]} B)`);
    } else if (c === 1 && channels === 3) {
      x = tf.tile(x, [1, 1, 3]);
      notes.push('converted gray to RGB by repeating the one channel');
    }
    if (options.invert) {
      x = tf.sub(1, x);
      notes.push('inverted (1 − value): dark strokes on light paper became light strokes on dark');
    }
    return tf.clipByValue(x, 0, 1) as Tf.Tensor3D;
  });
  if (!options.invert) {
    const mean = tf.tidy(() => tf.mean(fitted).dataSync()[0]);
    if (mean > 0.5) {
      notes.push(`the image is mostly light (mean ${mean.toFixed(2)}); MNIST digits are light strokes on a dark background, so a dark digit on white paper needs invert`);
    }
  }
  return { image: fitted, resized, converted, notes };
}

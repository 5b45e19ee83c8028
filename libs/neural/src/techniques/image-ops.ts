import { type Tf, tfjs } from '../tfjs';

/**
 * Shifts a batch of images [N, H, W, C] cyclically by `dy` rows and `dx` columns. Jitter in
 * feature visualization: an image optimized under random shifts cannot rely on one exact
 * pixel pattern, which is what high-frequency noise does.
 */
export function roll(x: Tf.Tensor4D, dy: number, dx: number): Tf.Tensor4D {
  const tf = tfjs();
  const [, h, w] = x.shape;
  const rows = ((dy % h) + h) % h;
  const cols = ((dx % w) + w) % w;
  let y = x;
  if (rows > 0) y = tf.concat([y.slice([0, h - rows, 0, 0], [-1, rows, -1, -1]), y.slice([0, 0, 0, 0], [-1, h - rows, -1, -1])], 1);
  if (cols > 0) y = tf.concat([y.slice([0, 0, w - cols, 0], [-1, -1, cols, -1]), y.slice([0, 0, 0, 0], [-1, -1, w - cols, -1])], 2);
  return y;
}

/** A Gaussian blur of each channel, σ in pixels; the kernel reaches 2σ each way. */
export function gaussianBlur(x: Tf.Tensor4D, sigma: number): Tf.Tensor4D {
  const tf = tfjs();
  const radius = Math.max(1, Math.ceil(2 * sigma));
  const weights = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const total = weights.reduce((a, b) => a + b, 0);
  const channels = x.shape[3];
  const column = tf.tensor1d(weights.map((v) => v / total));
  // Separable: a vertical then a horizontal pass, each a depthwise convolution (channels kept apart).
  const vertical = tf.tile(column.reshape([2 * radius + 1, 1, 1, 1]), [1, 1, channels, 1]) as Tf.Tensor4D;
  const horizontal = tf.tile(column.reshape([1, 2 * radius + 1, 1, 1]), [1, 1, channels, 1]) as Tf.Tensor4D;
  return tf.depthwiseConv2d(tf.depthwiseConv2d(x, vertical, 1, 'same'), horizontal, 1, 'same');
}

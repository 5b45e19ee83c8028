import { type Tf } from '../tfjs';

/** Where an attribution map puts its weight: on the drawn strokes or on the empty background. */
export interface InkMass {
  /** Pixels whose input (mean over channels) is above the threshold. */
  inkPixels: number;
  backgroundPixels: number;
  /** Mean map value per ink pixel. */
  ink: number;
  /** Mean map value per background pixel. */
  background: number;
  /**
   * `ink / background`: above 1 when the map favours the strokes. NaN when either region is
   * empty; +∞ when the background has no mass at all.
   */
  ratio: number;
  threshold: number;
}

/**
 * The number that keeps a saliency picture honest on digits: a map that only looks plausible
 * may put as much mass on the background as on the strokes. Per-pixel means, not sums, so the
 * few ink pixels of a digit (about a fifth of MNIST's) are not outweighed by their count.
 *
 * @param map [H, W], non-negative.
 * @param input the image [1, H, W, C] or [H, W, C] the map explains.
 * @param threshold ink is input > threshold; for pixels in 0..1, 0.5.
 */
export function inkMass(map: Tf.Tensor, input: Tf.Tensor, threshold: number): InkMass {
  const [h, w] = map.shape.slice(-2);
  const values = map.dataSync();
  const pixels = input.dataSync();
  const channels = pixels.length / (h * w);
  let inkSum = 0;
  let backgroundSum = 0;
  let inkPixels = 0;
  for (let i = 0; i < h * w; i++) {
    let level = 0;
    for (let c = 0; c < channels; c++) level += pixels[i * channels + c];
    if (level / channels > threshold) {
      inkSum += values[i];
      inkPixels++;
    } else {
      backgroundSum += values[i];
    }
  }
  const backgroundPixels = h * w - inkPixels;
  const ink = inkPixels > 0 ? inkSum / inkPixels : NaN;
  const background = backgroundPixels > 0 ? backgroundSum / backgroundPixels : NaN;
  return { inkPixels, backgroundPixels, ink, background, ratio: ink / background, threshold };
}

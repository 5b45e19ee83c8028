import { InvalidParameterError } from '@gpulab/compute';
import { type Tf } from '../tfjs';
import { type ColormapName } from './colormap';
import { type Normalization, normalize, pickScale, readImage, toRaster } from './pixels';
import { encodePng, upscaleNearest } from './raster';

export interface ImagePngOptions {
  /** Each pixel becomes scale × scale pixels (nearest neighbour). @default about 280 pixels on the longer side: 10 for 28 × 28 */
  scale?: number;
  /** @default 'minmax' (full contrast); [0, 1] shows pixels at their true intensity */
  normalize?: Normalization;
}

/** Pixels a single image becomes on its longer side unless a scale is given: readable on a slide. */
export const IMAGE_TARGET_SIZE = 280;

/**
 * One gray image as PNG bytes: [H, W], [H, W, 1] or [1, H, W, 1]. A colour scale other than
 * gray (`colormap`) turns it into a false-colour picture.
 */
export function grayscalePng(image: Tf.Tensor, options: ImagePngOptions & { colormap?: ColormapName } = {}): Uint8Array {
  const pixels = readImage(image);
  if (pixels.channels !== 1) throw new InvalidParameterError('image', `grayscalePng takes one channel; this image has ${pixels.channels} (rgbPng shows colour)`);
  return imagePng(pixels, options, options.colormap ?? 'gray');
}

/** One RGB image as PNG bytes: [H, W, 3] or [1, H, W, 3] (e.g. a style transfer's result). A gray image is shown as gray. */
export function rgbPng(image: Tf.Tensor, options: ImagePngOptions = {}): Uint8Array {
  return imagePng(readImage(image), options, 'gray');
}

function imagePng(pixels: ReturnType<typeof readImage>, options: ImagePngOptions, colormap: ColormapName): Uint8Array {
  const scale = pickScale(options.scale, pixels.height, pixels.width, IMAGE_TARGET_SIZE);
  const levels = normalize(pixels.data, options.normalize ?? 'minmax');
  return encodePng(upscaleNearest(toRaster(pixels, 0, levels, colormap), scale));
}

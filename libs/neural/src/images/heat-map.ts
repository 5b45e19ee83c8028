import { InvalidParameterError } from '@gpulab/compute';
import { type Tf } from '../tfjs';
import { type ColormapName } from './colormap';
import { IMAGE_TARGET_SIZE } from './image-png';
import { type Normalization, normalize, pickScale, readImage, toRaster } from './pixels';
import { encodePng, upscaleNearest } from './raster';

export interface HeatMapOptions {
  /** @default 'inferno' */
  colormap?: ColormapName;
  /** @default 'minmax' */
  normalize?: Normalization;
  /** @default about 280 pixels on the longer side */
  scale?: number;
}

export interface HeatMapOverlayOptions extends HeatMapOptions {
  /** Weight of the heat map's colour over the image, 0..1. @default 0.6 */
  alpha?: number;
  /** How the input's values become brightness. @default [0, 1] */
  inputNormalize?: Normalization;
}

/** A map [H, W] (saliency, a mask, a channel) in a perceptual colour scale, as PNG bytes. */
export function heatMapPng(map: Tf.Tensor, options: HeatMapOptions = {}): Uint8Array {
  const pixels = readImage(map, 'map');
  if (pixels.channels !== 1) throw new InvalidParameterError('map', `a heat map has one channel; this one has ${pixels.channels}`);
  const scale = pickScale(options.scale, pixels.height, pixels.width, IMAGE_TARGET_SIZE);
  return encodePng(upscaleNearest(toRaster(pixels, 0, normalize(pixels.data, options.normalize ?? 'minmax'), options.colormap ?? 'inferno'), scale));
}

/**
 * The heat map blended over the image it explains: each pixel is (1 − α) · the image (gray or
 * RGB) + α · the map's colour, so the strokes stay visible under the colours.
 *
 * @param input the image, [H, W], [H, W, C] or [1, H, W, C].
 * @param map [H, W], the same height and width.
 */
export function heatMapOverlayPng(input: Tf.Tensor, map: Tf.Tensor, options: HeatMapOverlayOptions = {}): Uint8Array {
  const image = readImage(input, 'input');
  const heat = readImage(map, 'map');
  if (heat.channels !== 1) throw new InvalidParameterError('map', `a heat map has one channel; this one has ${heat.channels}`);
  if (heat.height !== image.height || heat.width !== image.width) {
    throw new InvalidParameterError('map', `the map is ${heat.height}x${heat.width} but the input is ${image.height}x${image.width}`);
  }
  const alpha = options.alpha ?? 0.6;
  if (!(alpha >= 0 && alpha <= 1)) throw new InvalidParameterError('alpha', `alpha must be from 0 to 1, not ${alpha}`);
  const base = toRaster(image, 0, normalize(image.data, options.inputNormalize ?? [0, 1]), 'gray');
  const colours = toRaster(heat, 0, normalize(heat.data, options.normalize ?? 'minmax'), options.colormap ?? 'inferno');
  const data = new Uint8Array(base.data.length);
  for (let i = 0; i < data.length; i++) data[i] = (i & 3) === 3 ? 255 : Math.round((1 - alpha) * base.data[i] + alpha * colours.data[i]);
  const scale = pickScale(options.scale, image.height, image.width, IMAGE_TARGET_SIZE);
  return encodePng(upscaleNearest({ width: base.width, height: base.height, data }, scale));
}

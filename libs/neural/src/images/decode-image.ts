import { decodeImagePixels, type ImagePixels } from '@gpulab/compute';
import { type Tf, tfjs } from '../tfjs';

/** Release `image` with `image.dispose()`. */
export interface DecodedImage extends Omit<ImagePixels, 'data'> {
  /** [height, width, channels], values 0..1. */
  image: Tf.Tensor3D;
}

/** An uploaded PNG or JPEG as a tensor; see `decodeImagePixels` for what decoding does. */
export function decodeImage(bytes: Uint8Array): DecodedImage {
  const { data, ...pixels } = decodeImagePixels(bytes);
  return { ...pixels, image: tfjs().tensor3d(data, [pixels.height, pixels.width, pixels.channels]) };
}

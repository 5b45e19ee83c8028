import { InvalidParameterError } from '@gpulab/compute';
import { type Tf } from '../tfjs';
import { colormapTable, type ColormapName } from './colormap';
import { type Raster } from './raster';

/** Images as floats: `count` images of height × width × channels, row-major, channels last. */
export interface Pixels {
  count: number;
  height: number;
  width: number;
  /** 1 (gray, or a map) or 3 (RGB). */
  channels: 1 | 3;
  data: Float32Array;
}

/**
 * How values become brightness or a colour-scale position in 0..1:
 * - `minmax`: the smallest value is 0, the largest 1 (full contrast, for maps of any scale);
 * - `symmetric`: 0 stays in the middle, ±(largest |value|) at the ends (signed maps);
 * - `[min, max]`: a fixed range, clamped (e.g. [0, 1] shows pixels at their true intensity).
 */
export type Normalization = 'minmax' | 'symmetric' | readonly [min: number, max: number];

/** Reads one image: [H, W], [H, W, C] or [1, H, W, C], C = 1 or 3 (a 4th, alpha, channel is dropped). */
export function readImage(tensor: Tf.Tensor, parameter = 'image'): Pixels {
  const s = tensor.shape as number[];
  const dims = s.length === 2 ? [s[0], s[1], 1] : s.length === 3 ? s : s.length === 4 && s[0] === 1 ? s.slice(1) : undefined;
  if (!dims || ![1, 3, 4].includes(dims[2])) {
    throw new InvalidParameterError(parameter, `${parameter} must be one image [height, width] or [height, width, 1 or 3 channels], not [${s.join(', ')}]`);
  }
  return dropAlpha({ count: 1, height: dims[0], width: dims[1], channels: dims[2] as 1 | 3, data: floats(tensor) }, dims[2]);
}

/** Reads a stack of maps: [N, H, W] or [N, H, W, C], C = 1 or 3. */
export function readTiles(tensor: Tf.Tensor, parameter = 'tiles'): Pixels {
  const s = tensor.shape as number[];
  const channels = s.length === 3 ? 1 : s.length === 4 ? s[3] : 0;
  if (channels !== 1 && channels !== 3) {
    throw new InvalidParameterError(parameter, `${parameter} must be [count, height, width] or [count, height, width, 1 or 3], not [${s.join(', ')}]`);
  }
  return { count: s[0], height: s[1], width: s[2], channels, data: floats(tensor) };
}

function floats(tensor: Tf.Tensor): Float32Array {
  const values = tensor.dataSync();
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
}

function dropAlpha(p: Pixels, channels: number): Pixels {
  if (channels !== 4) return p;
  const n = p.height * p.width;
  const data = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) data.set(p.data.subarray(i * 4, i * 4 + 3), i * 3);
  return { ...p, channels: 3, data };
}

/** Maps `values` into 0..1 by `normalization` (NaN and ±∞ become 0). */
export function normalize(values: ArrayLike<number>, normalization: Normalization): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  let [offset, span] = [0, 1];
  if (normalization === 'minmax') [offset, span] = lo <= hi ? [lo, hi - lo] : [0, 1];
  else if (normalization === 'symmetric') {
    const m = lo <= hi ? Math.max(Math.abs(lo), Math.abs(hi)) : 0;
    [offset, span] = [-m, 2 * m];
  } else [offset, span] = [normalization[0], normalization[1] - normalization[0]];
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // A constant map has no contrast to show: mid-gray for symmetric, dark otherwise.
    const t = !Number.isFinite(v) ? 0 : span > 0 ? (v - offset) / span : normalization === 'symmetric' ? 0.5 : 0;
    out[i] = Math.min(1, Math.max(0, t));
  }
  return out;
}

/** One image (index `at` of `pixels`) as a raster: RGB as is, one channel through the colour scale. */
export function toRaster(pixels: Pixels, at: number, levels: Float32Array, colormap: ColormapName): Raster {
  const { height, width, channels } = pixels;
  const n = height * width;
  const data = new Uint8Array(n * 4);
  const table = colormapTable(colormap);
  const from = at * n * channels;
  for (let i = 0; i < n; i++) {
    if (channels === 3) {
      for (let c = 0; c < 3; c++) data[i * 4 + c] = Math.round(levels[from + i * 3 + c] * 255);
    } else {
      const k = Math.round(levels[from + i] * 255) * 3;
      [data[i * 4], data[i * 4 + 1], data[i * 4 + 2]] = [table[k], table[k + 1], table[k + 2]];
    }
    data[i * 4 + 3] = 255;
  }
  return { width, height, data };
}

/** Validates a scale factor, or picks one that makes the longer side about `target` pixels. */
export function pickScale(scale: number | undefined, height: number, width: number, target: number): number {
  if (scale === undefined) return Math.max(1, Math.round(target / Math.max(height, width)));
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) throw new InvalidParameterError('scale', `scale must be a whole number from 1 to 64, not ${scale}`);
  return scale;
}

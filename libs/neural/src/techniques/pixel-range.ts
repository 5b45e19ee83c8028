import { InvalidParameterError } from '@gpulab/compute';
import { quoteInput } from '@gpulab/contracts';

/** The values an input pixel can take, [min, max]; gpulab's data sets give 0..1. */
export type PixelRange = readonly [min: number, max: number];

export const UNIT_RANGE: PixelRange = [0, 1];

/** Refuses a range that is not two finite numbers, the first below the second. */
export function checkPixelRange(range: PixelRange | undefined, parameter = 'pixelRange'): PixelRange {
  if (range === undefined) return UNIT_RANGE;
  const [min, max] = range;
  if (range.length !== 2 || !Number.isFinite(min) || !Number.isFinite(max) || !(min < max)) {
    throw new InvalidParameterError(parameter, `${parameter} must be [min, max] with min < max, not ${quoteInput(range)}`);
  }
  return range;
}

/** Ink is brighter than the middle of the range: MNIST's strokes are near 1 on a background of 0. */
export function inkThreshold(range: PixelRange): number {
  return (range[0] + range[1]) / 2;
}

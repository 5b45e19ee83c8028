import { InvalidParameterError } from '@gpulab/compute';
import { quoteInput } from '@gpulab/contracts';

/** One image: height, width, channels (rows of a data set are images flattened in this order). */
export type ImageShape = readonly [height: number, width: number, channels: number];

/** Column counts whose image shape goes without saying: MNIST-like and CIFAR-like. */
const KNOWN: ReadonlyMap<number, ImageShape> = new Map([
  [784, [28, 28, 1]],
  [3072, [32, 32, 3]],
]);

export function formatImageShape(shape: ImageShape): string {
  return shape.join('x');
}

/**
 * Reads the `imageShape` parameter (`28x28x1`, or `28x28` for one channel) and checks it
 * against the data's columns. Without it, the shape the data came with (`itemShape`: an IDX
 * or NPY file of images) holds; else 784 columns are 28x28x1 and 3072 are 32x32x3.
 */
export function imageShapeParam(params: Record<string, unknown>, cols: number, itemShape?: readonly number[]): ImageShape {
  const raw = params.imageShape;
  if (raw === undefined || raw === null || raw === '') {
    if (itemShape && (itemShape.length === 2 || itemShape.length === 3)) {
      const own: ImageShape = [itemShape[0], itemShape[1], itemShape[2] ?? 1];
      if (own[0] * own[1] * own[2] === cols) return own;
    }
    const known = KNOWN.get(cols);
    if (!known) {
      throw new InvalidParameterError(
        'imageShape',
        `the data has ${cols} columns, which is no image shape gpulab knows (784 is 28x28x1, 3072 is 32x32x3): give --set imageShape=HEIGHTxWIDTHxCHANNELS`,
      );
    }
    return known;
  }
  const match = /^\s*(\d+)\s*x\s*(\d+)\s*(?:x\s*(\d+)\s*)?$/i.exec(String(raw));
  if (!match) throw new InvalidParameterError('imageShape', `imageShape must look like 28x28x1 (height x width x channels), not ${quoteInput(raw)}`);
  const shape: ImageShape = [Number(match[1]), Number(match[2]), Number(match[3] ?? 1)];
  if (shape.some((n) => n < 1)) throw new InvalidParameterError('imageShape', `imageShape ${String(raw)} has a zero side`);
  const size = shape[0] * shape[1] * shape[2];
  if (size !== cols) {
    throw new InvalidParameterError('imageShape', `imageShape ${formatImageShape(shape)} has ${size} values per image but the data has ${cols} columns`);
  }
  return shape;
}

import { mnistDataset } from '@gpulab/compute';
import { type LabelledImages } from '../trainer';

export const DIGIT_SHAPE = [28, 28, 1] as const;

/** Rows `from` .. `from + count` of the built-in MNIST digits (balanced for any prefix), as float32. */
export async function mnistDigits(from: number, count: number): Promise<LabelledImages> {
  const { matrix, labels } = await mnistDataset.load();
  return {
    x: Float32Array.from(matrix.data.subarray(from * matrix.cols, (from + count) * matrix.cols)),
    labels: labels!.codes.slice(from, from + count),
  };
}

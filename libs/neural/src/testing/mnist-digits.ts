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

/** A checkpoint store in memory, as a job's context provides one in the Object Store. */
export function memoryCheckpoints(): { load(): Promise<Uint8Array | undefined>; save(bytes: Uint8Array): Promise<void>; saved: Uint8Array[] } {
  const saved: Uint8Array[] = [];
  return {
    saved,
    load: async () => saved.at(-1),
    save: async (bytes) => void saved.push(bytes.slice()),
  };
}

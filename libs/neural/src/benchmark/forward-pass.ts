import type * as Tf from '@tensorflow/tfjs';
import { seededRandom } from '@gpulab/compute';
import { tfjs } from '../tfjs';

/** The synthetic images' side: CIFAR-10's 32 × 32 × 3. */
export const SOURCE_SIZE = 32;

/** The seeded synthetic images, values 0..1, as many as one batch (every batch reuses them). */
export function syntheticImages(count: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const values = new Float32Array(count * SOURCE_SIZE * SOURCE_SIZE * 3);
  for (let i = 0; i < values.length; i++) values[i] = random();
  return values;
}

/**
 * One timed step of a benchmark: the first `count` images of `pool`, resized to `inputSize`
 * and through `model`, read back. Returns the features' shape.
 */
export function forwardPass(model: Tf.LayersModel, pool: Float32Array, count: number, inputSize: number): number[] {
  const tf = tfjs();
  const out = tf.tidy(() => {
    const x = tf.tensor4d(pool.subarray(0, count * SOURCE_SIZE * SOURCE_SIZE * 3), [count, SOURCE_SIZE, SOURCE_SIZE, 3]);
    return model.predict(tf.image.resizeBilinear(x, [inputSize, inputSize])) as Tf.Tensor;
  });
  // Reading the features back waits for the backend to finish, which is what is timed.
  out.dataSync();
  const shape = out.shape;
  out.dispose();
  return shape;
}

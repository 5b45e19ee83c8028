import * as tf from '@tensorflow/tfjs';
import { findDataset } from '@gpulab/compute';
import { useFastCpuTrainingKernels } from './cpu-training-kernels';

/** A small CNN trained on MNIST in seconds, and digits it has not seen. */
export interface TinyMnist {
  /** Layers `conv1`, `pool1`, `conv2`, `pool2`, `flatten`, `dense1`, `logits`, `softmax`, as the job kinds build them. */
  model: tf.LayersModel;
  /** The held-out digit of row `row` (from 9,000 on), as [28, 28, 1] in 0..1. */
  digit(row: number): tf.Tensor3D;
  /** Class code (0–9) of a row. */
  label(row: number): number;
  /** The held-out rows 9,000 to 9,000 + n as [n, 28, 28, 1] with their labels. */
  heldOut(n: number): { images: tf.Tensor4D; labels: number[] };
  /** Accuracy on 1,000 held-out digits. */
  accuracy: number;
  trainMs: number;
}

export const TRAIN_ROWS = 1000;
export const HELD_OUT_FROM = 9000;

let cached: Promise<TinyMnist> | undefined;

/**
 * The tests' model, trained once per test file (each file is its own process) on the cpu
 * backend: 1,000 digits, two epochs, seeded initializers and no shuffling, so every run trains
 * the same weights. The rows of `mnist` are interleaved by digit, so the first 1,000 are
 * balanced.
 */
export function tinyMnistModel(): Promise<TinyMnist> {
  cached ??= train();
  return cached;
}

async function train(): Promise<TinyMnist> {
  await tf.setBackend('cpu');
  tf.enableProdMode();
  useFastCpuTrainingKernels();
  const { matrix, labels } = await findDataset('mnist').load();
  if (!labels) throw new Error('the mnist data set has no labels');
  const rows = (from: number, n: number) => tf.tensor4d(Float32Array.from(matrix.data.subarray(from * 784, (from + n) * 784)), [n, 28, 28, 1]);
  const codes = (from: number, n: number) => Array.from(labels.codes.subarray(from, from + n));

  let seed = 1;
  const he = () => tf.initializers.heNormal({ seed: seed++ });
  const model = tf.sequential({ name: 'tiny-mnist' });
  model.add(tf.layers.conv2d({ name: 'conv1', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [28, 28, 1], kernelInitializer: he() }));
  model.add(tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2, strides: 2 }));
  model.add(tf.layers.conv2d({ name: 'conv2', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: he() }));
  model.add(tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2, strides: 2 }));
  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(tf.layers.dense({ name: 'dense1', units: 32, activation: 'relu', kernelInitializer: he() }));
  model.add(tf.layers.dense({ name: 'logits', units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }) }));
  model.add(tf.layers.activation({ name: 'softmax', activation: 'softmax' }));
  model.compile({ optimizer: tf.train.adam(0.005), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

  const x = rows(0, TRAIN_ROWS);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(codes(0, TRAIN_ROWS), 'int32'), 10));
  const t0 = performance.now();
  await model.fit(x, y, { epochs: 2, batchSize: 32, shuffle: false, verbose: 0 });
  const trainMs = performance.now() - t0;
  tf.dispose([x, y]);

  const heldOut = (n: number) => ({ images: rows(HELD_OUT_FROM, n), labels: codes(HELD_OUT_FROM, n) });
  const test = heldOut(1000);
  const predicted = tf.tidy(() => (model.predict(test.images) as tf.Tensor).argMax(-1).dataSync());
  const accuracy = test.labels.filter((c, i) => predicted[i] === c).length / test.labels.length;
  test.images.dispose();
  return {
    model,
    digit: (row) => tf.tidy(() => rows(row, 1).reshape([28, 28, 1]) as tf.Tensor3D),
    label: (row) => labels.codes[row],
    heldOut,
    accuracy,
    trainMs,
  };
}

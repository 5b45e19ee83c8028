/**
 * Images per second of train-classifier's default CNN on each TensorFlow.js backend installed
 * here, training (Adam, batches of the default size, the job's augmentation) and classifying
 * (batches of 256). Prints a table. Usage:
 *
 *   npm run bench:training [-- --backends wasm,cpu] [--images N]
 *   npm run bench:training -- --accuracy [--seeds 0,1,2]
 *
 * Each backend trains on the first N MNIST digits for one epoch (the cpu backend on fewer: it
 * takes seconds a batch), after one warm-up batch that compiles its kernels. With --accuracy it
 * instead trains the default model as a `train-classifier` job with `epochs=3` does (wasm: the
 * first 8,000 digits, 10% of them to validate) and reports the test accuracy on the last 2,000
 * and the share of their correct predictions that FGSM flips at ε = 0.1 and 0.2.
 */
import { mnistDataset } from '@gpulab/compute';
import {
  type BackendName,
  buildCnn,
  compileTrainClassifierParams,
  disposeResult,
  evaluateClassifier,
  fgsm,
  initBackend,
  installedBackends,
  type LabelledImages,
  tfjs,
  trainClassifier,
} from '@gpulab/neural';
import { printMarkdownTable } from './stats';

interface Row {
  backend: string;
  version: string;
  trainImages: number;
  trainPerSecond: number;
  inferPerSecond: number;
}

const CPU_IMAGES = 64;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const at = args.indexOf(`--${name}`);
    return at >= 0 ? args[at + 1] : undefined;
  };
  if (args.includes('--accuracy')) return accuracy((option('seeds') ?? '0').split(',').map(Number));
  const backends = (option('backends')?.split(',') ?? installedBackends()) as BackendName[];
  const images = Number(option('images') ?? 1000);
  const { matrix, labels } = await mnistDataset.load();
  if (!labels) throw new Error('mnist has no labels');
  const p = compileTrainClassifierParams({}, { rows: matrix.rows, cols: matrix.cols, labeled: true });
  const data = (count: number): LabelledImages => ({ x: Float32Array.from(matrix.data.subarray(0, count * 784)), labels: labels.codes.slice(0, count) });
  const rows: Row[] = [];
  for (const name of backends) {
    const info = await initBackend(name);
    const count = name === 'cpu' ? Math.min(images, CPU_IMAGES) : images;
    const options = { imageShape: p.imageShape, classes: 10, batchSize: p.batchSize, learningRate: p.learningRate, seed: 0, shift: p.shift, epochs: 1 };
    const model = buildCnn({ imageShape: p.imageShape, classes: 10, blocks: p.blocks, kernelSize: p.kernelSize, dense: p.dense, seed: 0 });
    try {
      await trainClassifier(model, data(p.batchSize), options);
      const run = await trainClassifier(model, data(count), options);
      const test = data(Math.min(count * 4, 2000));
      evaluateClassifier(model, data(256), p.imageShape, 10);
      const started = performance.now();
      evaluateClassifier(model, test, p.imageShape, 10);
      const inferPerSecond = test.labels.length / ((performance.now() - started) / 1000);
      rows.push({ backend: info.name + (info.simd ? ' (SIMD)' : ''), version: info.version, trainImages: count, trainPerSecond: run.imagesPerSecond, inferPerSecond });
      process.stderr.write(`${info.name}: ${Math.round(run.imagesPerSecond)} images/s training, ${Math.round(inferPerSecond)} images/s classifying\n`);
    } finally {
      model.dispose();
    }
  }
  const missing = ['tensorflow-gpu', 'tensorflow'].filter((b) => !installedBackends().includes(b as BackendName));
  printMarkdownTable(
    ['backend', 'version', 'images trained', 'training images/s', 'classifying images/s'],
    rows.map((r) => [r.backend, r.version, String(r.trainImages), Math.round(r.trainPerSecond).toLocaleString('en-US'), Math.round(r.inferPerSecond).toLocaleString('en-US')]),
  );
  if (missing.length > 0) process.stdout.write(`not installed here: ${missing.join(', ')}\n`);
}

/** The default model after 3 epochs, per seed: test accuracy, and FGSM's success at two strengths. */
async function accuracy(seeds: number[]): Promise<void> {
  await initBackend('wasm');
  const tf = tfjs();
  const { matrix, labels } = await mnistDataset.load();
  if (!labels) throw new Error('mnist has no labels');
  const p = compileTrainClassifierParams({}, { rows: matrix.rows, cols: matrix.cols, labeled: true });
  const part = (from: number, count: number): LabelledImages => ({ x: Float32Array.from(matrix.data.subarray(from * 784, (from + count) * 784)), labels: labels.codes.slice(from, from + count) });
  const { train, validation, test } = p.split;
  const table: string[][] = [];
  for (const seed of seeds) {
    const model = buildCnn({ imageShape: p.imageShape, classes: 10, blocks: p.blocks, kernelSize: p.kernelSize, dense: p.dense, seed });
    try {
      const run = await trainClassifier(model, part(0, train), { ...p, classes: 10, seed, validation: part(train, validation) });
      const held = part(train + validation, test);
      const tested = evaluateClassifier(model, held, p.imageShape, 10);
      const flips = [0.1, 0.2].map((epsilon) => {
        let correct = 0;
        let flipped = 0;
        for (let from = 0; from < test; from += 500) {
          const n = Math.min(500, test - from);
          const images = tf.tensor4d(held.x.subarray(from * 784, (from + n) * 784), [n, 28, 28, 1]);
          const r = fgsm(model, images, held.labels.subarray(from, from + n), epsilon);
          correct += r.correct;
          flipped += r.flipped;
          disposeResult(r);
          images.dispose();
        }
        return flipped / correct;
      });
      table.push([String(seed), percent(tested.accuracy), Math.round(run.imagesPerSecond).toLocaleString('en-US'), percent(flips[0]), percent(flips[1])]);
      process.stderr.write(`seed ${seed}: ${table.at(-1)?.join(', ')}\n`);
    } finally {
      model.dispose();
    }
  }
  printMarkdownTable(['seed', 'test accuracy', 'training images/s', 'FGSM ε = 0.1 flips', 'FGSM ε = 0.2 flips'], table);
}

function percent(share: number): string {
  return `${(100 * share).toFixed(2)}%`;
}


main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

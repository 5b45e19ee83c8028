import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError, InvalidParameterError } from './errors';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, fashionMnistDataset } from './fashion-mnist-dataset';
import { idxFile } from './testing/idx-file';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A directory laid out as Debian's package: 3 training and 2 test images of 2 x 2 pixels. */
function tinyFashionMnist(options: { gzip?: boolean; testLabels?: number[] } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'fashion-mnist-'));
  dirs.push(dir);
  const gzip = options.gzip ?? true;
  const write = (name: string, bytes: Uint8Array) => writeFileSync(join(dir, gzip ? `${name}.gz` : name), bytes);
  write('train-images-idx3-ubyte', idxFile(0x08, [3, 2, 2], [0, 255, 51, 102, 1, 2, 3, 4, 10, 20, 30, 40], { gzip }));
  write('train-labels-idx1-ubyte', idxFile(0x08, [3], [9, 0, 3], { gzip }));
  write('t10k-images-idx3-ubyte', idxFile(0x08, [2, 2, 2], [255, 255, 255, 255, 5, 6, 7, 8], { gzip }));
  const testLabels = options.testLabels ?? [8, 1];
  write('t10k-labels-idx1-ubyte', idxFile(0x08, [testLabels.length], testLabels, { gzip }));
  return dir;
}

describe('the fashion-mnist data set', () => {
  it('loads the training images, then the test images, scaled to 0..1, with the class names', async () => {
    for (const gzip of [true, false]) {
      const dataset = fashionMnistDataset(tinyFashionMnist({ gzip }));
      assert.equal(dataset.unavailable?.(), undefined);
      const { matrix, labels } = await dataset.load();
      assert.deepEqual([matrix.rows, matrix.cols], [5, 4]);
      assert.deepEqual(Array.from(matrix.data.subarray(0, 4)), [0, 1, 0.2, 0.4]);
      assert.deepEqual(Array.from(matrix.data.subarray(12, 16)), [1, 1, 1, 1]);
      assert.equal(matrix.data[19], 8 / 255);
      assert.deepEqual(Array.from(labels?.codes ?? []), [9, 0, 3, 8, 1]);
      assert.deepEqual(labels?.names, ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
    }
  });

  it('says how to install it when the files are missing, and refuses to load', async () => {
    const dataset = fashionMnistDataset(join(tmpdir(), 'no-such-fashion-mnist'));
    const message = dataset.unavailable?.();
    assert.match(message ?? '', /^fashion-mnist is not installed on this worker \(.*no-such-fashion-mnist\/train-images-idx3-ubyte\.gz is missing\): install Debian's dataset-fashion-mnist \(apt-get install dataset-fashion-mnist\), or upload the IDX files with `gpulab upload`$/);
    await assert.rejects(dataset.load(), (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'dataset' && e.message === message);
  });

  it('names the file whose labels are not Fashion-MNIST classes', async () => {
    const dataset = fashionMnistDataset(tinyFashionMnist({ testLabels: [8, 12] }));
    await assert.rejects(dataset.load(), (e: unknown) => e instanceof InvalidInputError && e.code === 'IDX_FORMAT' && /t10k-labels-idx1-ubyte\.gz: label 2 is 12, but Fashion-MNIST's classes are 0 to 9/.test(e.message));
  });

  it('names the file when labels and images do not pair up', async () => {
    const dataset = fashionMnistDataset(tinyFashionMnist({ testLabels: [8, 1, 2] }));
    await assert.rejects(dataset.load(), (e: unknown) => e instanceof InvalidInputError && /t10k-labels-idx1-ubyte\.gz: it has 3 labels for the 2 images/.test(e.message));
  });

  const installed = existsSync(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));
  it('loads the 70,000 images of the installed package', { skip: !installed && `${FASHION_MNIST_DIR} is not installed` }, async () => {
    const started = performance.now();
    const { matrix, labels } = await fashionMnistDataset().load();
    console.log(`fashion-mnist (70,000 x 784) loaded in ${(performance.now() - started).toFixed(0)} ms`);
    assert.deepEqual([matrix.rows, matrix.cols], [70_000, 784]);
    const counts = new Array<number>(FASHION_MNIST_CLASSES.length).fill(0);
    for (const c of labels?.codes ?? []) counts[c]++;
    assert.deepEqual(counts, new Array(10).fill(7000));
    // The first training image is an ankle boot, as in Zalando's README.
    assert.equal(labels?.codes[0], 9);
  });
});

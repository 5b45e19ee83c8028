import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Dataset, type LoadedDataset } from './dataset';
import { InvalidInputError, InvalidParameterError } from './errors';
import { idxLayout, type IdxLayout } from './formats/idx';

/** Where Debian's `dataset-fashion-mnist` puts the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Class names in the order of the label codes 0..9, as Zalando's README lists them. */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Pixel value v scaled to 0..1, looked up rather than divided 55 million times. */
const SCALED = Float64Array.from({ length: 256 }, (_, v) => v / 255);

/**
 * Fashion-MNIST from the IDX files in `dir` (gzip-compressed as shipped, or not): the 60,000
 * training images, then the 10,000 test images, pixels scaled to 0..1. Nothing is kept in memory
 * between loads: the matrix is 440 MB of float64 and reading it again takes under half a second.
 * `rows` and `cols` describe the files Debian ships; `load` reads whatever the files hold.
 */
export function fashionMnistDataset(dir: string = FASHION_MNIST_DIR): Dataset {
  const unavailable = (): string | undefined => {
    const missing = Object.values(FILES).find((name) => !idxFile(dir, name));
    if (missing === undefined) return undefined;
    return (
      `fashion-mnist is not installed on this worker (${join(dir, `${missing}.gz`)} is missing): ` +
      "install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist), or upload the IDX files with `gpulab upload`"
    );
  };
  return {
    name: 'fashion-mnist',
    summary: '70,000 clothing images in 10 classes (28 x 28 pixels in 0..1): 60,000 training images, then 10,000 test images',
    rows: 70_000,
    cols: 28 * 28,
    labeled: true,
    unavailable,
    load: async (): Promise<LoadedDataset> => {
      const missing = unavailable();
      if (missing) throw new InvalidParameterError('dataset', missing);
      const read = (name: string) => {
        const path = idxFile(dir, name) as string;
        return { path, layout: withPath(path, () => idxLayout(readFileSync(path))) };
      };
      const parts = [
        { images: read(FILES.trainImages), labels: read(FILES.trainLabels) },
        { images: read(FILES.testImages), labels: read(FILES.testLabels) },
      ];
      const cols = imageSize(parts[0].images.path, parts[0].images.layout);
      const rows = parts.reduce((sum, p) => sum + p.images.layout.dims[0], 0);
      // Shared memory: the parallel kernels (randomized PCA, neighbours) read it from other threads without a copy.
      const data = new Float64Array(new SharedArrayBuffer(rows * cols * 8));
      const codes = new Int32Array(rows);
      let row = 0;
      for (const { images, labels } of parts) {
        const n = images.layout.dims[0];
        if (imageSize(images.path, images.layout) !== cols) {
          throw formatError(images.path, `its images have ${imageSize(images.path, images.layout)} pixels, those of ${parts[0].images.path} ${cols}`);
        }
        checkLabels(labels.path, labels.layout, n, images.path);
        const { bytes, offset } = images.layout;
        const to = row * cols;
        for (let i = 0; i < n * cols; i++) data[to + i] = SCALED[bytes[offset + i]];
        const label = labels.layout;
        for (let i = 0; i < n; i++) codes[row + i] = label.bytes[label.offset + i];
        row += n;
      }
      return { matrix: { rows, cols, data }, labels: { codes, names: [...FASHION_MNIST_CLASSES] } };
    },
  };
}

/** The file as shipped (`.gz`) or as a user may have unpacked it. */
function idxFile(dir: string, name: string): string | undefined {
  return [join(dir, `${name}.gz`), join(dir, name)].find((path) => existsSync(path));
}

function imageSize(path: string, layout: IdxLayout): number {
  if (layout.type !== 0x08 || layout.dims.length < 2) {
    throw formatError(path, `expected images of unsigned bytes (n × height × width), found ${layout.dims.join(' × ')} of IDX type 0x${layout.type.toString(16)}`);
  }
  return layout.dims.slice(1).reduce((a, b) => a * b, 1);
}

function checkLabels(path: string, layout: IdxLayout, images: number, imagesPath: string): void {
  if (layout.type !== 0x08 || layout.dims.length !== 1) {
    throw formatError(path, `expected one unsigned byte per image, found ${layout.dims.join(' × ')} of IDX type 0x${layout.type.toString(16)}`);
  }
  if (layout.count !== images) throw formatError(path, `it has ${layout.count} labels for the ${images} images of ${imagesPath}`);
  for (let i = 0; i < layout.count; i++) {
    const code = layout.bytes[layout.offset + i];
    if (code >= FASHION_MNIST_CLASSES.length) {
      throw formatError(path, `label ${i + 1} is ${code}, but Fashion-MNIST's classes are 0 to ${FASHION_MNIST_CLASSES.length - 1}`);
    }
  }
}

function withPath<T>(path: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof InvalidInputError) throw new InvalidInputError(error.code, `${path}: ${error.message}`, { cause: error });
    throw error;
  }
}

function formatError(path: string, message: string): InvalidInputError {
  return new InvalidInputError('IDX_FORMAT', `${path}: ${message}`);
}

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { decodeImage } from './decode-image';
import { InvalidImageError } from '@gpulab/compute';

/** PNG bytes of an RGBA picture whose pixel (x, y) is `at(x, y)`. */
function pngOf(width: number, height: number, at: (x: number, y: number) => [number, number, number, number]): Uint8Array {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) png.data.set(at(x, y), (y * width + x) * 4);
  return PNG.sync.write(png);
}

describe('decodeImage', () => {
  before(async () => {
    await tf.setBackend('cpu');
    tf.enableProdMode();
  });

  it('reads a gray PNG into one channel with values 0..1', () => {
    const decoded = decodeImage(pngOf(3, 2, (x) => [x * 100, x * 100, x * 100, 255]));
    assert.equal(decoded.format, 'png');
    assert.equal(decoded.channels, 1);
    assert.deepEqual(decoded.image.shape, [2, 3, 1]);
    assert.deepEqual(Array.from(decoded.image.dataSync()).map((v) => Math.round(v * 255)), [0, 100, 200, 0, 100, 200]);
    assert.deepEqual(decoded.notes, []);
    decoded.image.dispose();
  });

  it('keeps colour in three channels and lays transparent pixels over black, saying so', () => {
    const decoded = decodeImage(pngOf(2, 1, (x) => (x === 0 ? [255, 0, 0, 255] : [0, 255, 0, 0])));
    assert.equal(decoded.channels, 3);
    assert.deepEqual(Array.from(decoded.image.dataSync()), [1, 0, 0, 0, 0, 0]);
    assert.deepEqual(decoded.notes, ['1 of 2 pixels are (partly) transparent; they were laid over black']);
    decoded.image.dispose();
  });

  it('reads a JPEG', () => {
    const data = new Uint8Array(16 * 8 * 4);
    for (let i = 0; i < 16 * 8; i++) data.set([200, 200, 200, 255], i * 4);
    const decoded = decodeImage(jpeg.encode({ width: 16, height: 8, data }, 90).data);
    assert.equal(decoded.format, 'jpeg');
    assert.deepEqual(decoded.image.shape.slice(0, 2), [8, 16]);
    const mean = tf.tidy(() => tf.mean(decoded.image).dataSync()[0]);
    assert.ok(Math.abs(mean - 200 / 255) < 0.02);
    decoded.image.dispose();
  });

  it('refuses bytes that are no image, a damaged PNG, and a PNG too large to decode', () => {
    assert.throws(() => decodeImage(new TextEncoder().encode('label,x\n')), (e: unknown) => e instanceof InvalidImageError && e.code === 'IMAGE_FORMAT' && /6c 61 62 65/.test(e.message));
    const png = pngOf(4, 4, () => [1, 2, 3, 255]);
    assert.throws(() => decodeImage(png.subarray(0, 40)), (e: unknown) => e instanceof InvalidImageError && e.code === 'IMAGE_FORMAT');
    const huge = new Uint8Array(png);
    new DataView(huge.buffer).setUint32(16, 100_000);
    new DataView(huge.buffer).setUint32(20, 100_000);
    assert.throws(() => decodeImage(huge), (e: unknown) => e instanceof InvalidImageError && e.code === 'IMAGE_TOO_LARGE' && /100000x100000/.test(e.message));
  });
});

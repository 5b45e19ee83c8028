import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { InvalidParameterError } from '@gpulab/compute';
import { colorAt } from './colormap';
import { heatMapOverlayPng, heatMapPng } from './heat-map';
import { grayscalePng, rgbPng } from './image-png';

function decode(bytes: Uint8Array): PNG {
  return PNG.sync.read(Buffer.from(bytes));
}

/** RGBA of pixel (x, y). */
function pixel(png: PNG, x: number, y: number): number[] {
  const i = (y * png.width + x) * 4;
  return Array.from(png.data.subarray(i, i + 4));
}

describe('grayscalePng and rgbPng', () => {
  before(async () => {
    await tf.setBackend('cpu');
    tf.enableProdMode();
  });

  it('upscales a 28 x 28 image tenfold by default, each pixel a block of one gray', () => {
    const image = tf.tidy(() => tf.linspace(0, 1, 784).reshape([28, 28, 1]));
    const png = decode(grayscalePng(image));
    assert.deepEqual([png.width, png.height], [280, 280]);
    assert.deepEqual(pixel(png, 0, 0), [0, 0, 0, 255]);
    assert.deepEqual(pixel(png, 279, 279), [255, 255, 255, 255]);
    assert.deepEqual(pixel(png, 10, 0), pixel(png, 19, 9));
    image.dispose();
  });

  it('shows true intensities with a fixed range and full contrast with minmax', () => {
    const image = tf.tensor2d([[0.25, 0.5]]);
    const fixed = decode(grayscalePng(image, { scale: 1, normalize: [0, 1] }));
    assert.deepEqual(pixel(fixed, 0, 0).slice(0, 3), [64, 64, 64]);
    const stretched = decode(grayscalePng(image, { scale: 1 }));
    assert.deepEqual([pixel(stretched, 0, 0)[0], pixel(stretched, 1, 0)[0]], [0, 255]);
    image.dispose();
  });

  it('keeps the colours of an RGB image and refuses colour in grayscalePng', () => {
    const image = tf.tensor3d([[[1, 0, 0], [0, 0, 1]]]);
    const png = decode(rgbPng(image, { scale: 2, normalize: [0, 1] }));
    assert.deepEqual([png.width, png.height], [4, 2]);
    assert.deepEqual(pixel(png, 1, 1), [255, 0, 0, 255]);
    assert.deepEqual(pixel(png, 2, 0), [0, 0, 255, 255]);
    assert.throws(() => grayscalePng(image), (e: unknown) => e instanceof InvalidParameterError && /rgbPng/.test(e.message));
    assert.throws(() => grayscalePng(image, { scale: 0 }), (e: unknown) => e instanceof InvalidParameterError);
    image.dispose();
  });
});

describe('heatMapPng and heatMapOverlayPng', () => {
  it('colours the smallest value with the colour scale’s start and the largest with its end', () => {
    const map = tf.tensor2d([[0, 2]]);
    const png = decode(heatMapPng(map, { scale: 1 }));
    assert.deepEqual(pixel(png, 0, 0).slice(0, 3), colorAt('inferno', 0));
    assert.deepEqual(pixel(png, 1, 0).slice(0, 3), colorAt('inferno', 1));
    assert.deepEqual(colorAt('viridis', 1), [0xfd, 0xe7, 0x25]);
    map.dispose();
  });

  it('blends the map over the input and refuses a map of another size', () => {
    const input = tf.tensor2d([[1, 0]]);
    const map = tf.tensor2d([[0, 1]]);
    const png = decode(heatMapOverlayPng(input, map, { scale: 1, alpha: 0.5 }));
    const top = colorAt('inferno', 1);
    assert.deepEqual(pixel(png, 1, 0).slice(0, 3), top.map((v) => Math.round(0.5 * v)));
    assert.deepEqual(pixel(png, 0, 0).slice(0, 3), colorAt('inferno', 0).map((v) => Math.round(0.5 * 255 + 0.5 * v)));
    const other = tf.zeros([2, 2]);
    assert.throws(() => heatMapOverlayPng(input, other), (e: unknown) => e instanceof InvalidParameterError && /2x2 but the input is 1x2/.test(e.message));
    tf.dispose([input, map, other]);
  });
});

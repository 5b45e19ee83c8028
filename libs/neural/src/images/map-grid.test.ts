import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { InvalidParameterError } from '@gpulab/compute';
import { colorAt } from './colormap';
import { mapGridLayout, mapGridPng } from './map-grid';

function decode(bytes: Uint8Array): PNG {
  return PNG.sync.read(Buffer.from(bytes));
}

function rgb(png: PNG, x: number, y: number): number[] {
  const i = (y * png.width + x) * 4;
  return Array.from(png.data.subarray(i, i + 3));
}

describe('mapGridPng', () => {
  before(async () => {
    await tf.setBackend('cpu');
    tf.enableProdMode();
  });

  it('lays 16 maps of 28 x 28 in 4 columns, each upscaled 4 times, with 4 pixels between them', () => {
    const layout = mapGridLayout(16, 28, 28);
    assert.deepEqual([layout.columns, layout.rows, layout.tileWidth], [4, 4, 112]);
    assert.deepEqual([layout.width, layout.height], [4 + 4 * 116, 4 + 4 * 116]);
    const maps = tf.randomUniform([16, 28, 28], 0, 1, 'float32', 1);
    const png = decode(mapGridPng(maps));
    assert.deepEqual([png.width, png.height], [layout.width, layout.height]);
    maps.dispose();
  });

  it('stretches each tile to full contrast on its own unless asked for one scale', () => {
    const maps = tf.tensor3d([[[0, 1]], [[0, 100]]]); // two 1 x 2 maps of very different strength
    const tile = decode(mapGridPng(maps, { scale: 1, gap: 0, columns: 2 }));
    assert.deepEqual([rgb(tile, 1, 0), rgb(tile, 3, 0)], [[255, 255, 255], [255, 255, 255]]);
    const grid = decode(mapGridPng(maps, { scale: 1, gap: 0, columns: 2, normalize: 'grid' }));
    assert.deepEqual(rgb(grid, 1, 0), [3, 3, 3]);
    maps.dispose();
  });

  it('draws signed values on the diverging scale with 0 in its middle', () => {
    const maps = tf.tensor3d([[[-2, 0, 1]]]);
    const png = decode(mapGridPng(maps, { scale: 1, gap: 0, signed: true }));
    assert.deepEqual(rgb(png, 0, 0), colorAt('diverging', 0));
    assert.deepEqual(rgb(png, 1, 0), colorAt('diverging', 0.5));
    assert.deepEqual(rgb(png, 2, 0), colorAt('diverging', 0.75));
    maps.dispose();
  });

  it('adds a band for labels under each row and one for the title, and refuses a label count that does not match', () => {
    const maps = tf.zeros([3, 5, 5, 3]);
    const options = { labels: ['a', 'b', 'c'], title: 'RGB tiles', scale: 10 };
    const layout = mapGridLayout(3, 5, 5, options);
    assert.deepEqual([layout.width, layout.height], [4 + 2 * 54, 40 + 4 + 2 * (50 + 20 + 4)]);
    const png = decode(mapGridPng(maps, options));
    assert.deepEqual([png.width, png.height], [layout.width, layout.height]);
    assert.throws(() => mapGridPng(maps, { labels: ['a'] }), (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'labels');
    maps.dispose();
  });
});

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { fitImage } from './fit-image';

describe('fitImage', () => {
  before(async () => {
    await tf.setBackend('cpu');
    tf.enableProdMode();
  });

  it('shrinks a 280 x 280 drawing to 28 x 28 by block averages, saying so, and keeps a one-pixel stroke', () => {
    const drawing = tf.tidy(() => {
      const canvas = tf.buffer([280, 280, 1]);
      for (let y = 20; y < 260; y++) canvas.set(1, y, 141, 0); // a vertical stroke one pixel wide
      return canvas.toTensor() as tf.Tensor3D;
    });
    const fitted = fitImage(drawing, [28, 28, 1]);
    assert.deepEqual(fitted.image.shape, [28, 28, 1]);
    assert.equal(fitted.resized, true);
    assert.deepEqual(fitted.notes, ['resized from 280x280 to 28x28 pixels (averaged over 10x10 blocks, then bilinear)']);
    const column = tf.tidy(() => tf.max(fitted.image.slice([0, 14, 0], [28, 1, 1])).dataSync()[0]);
    assert.ok(column > 0.05, `the stroke survives: ${column}`);
    tf.dispose([drawing, fitted.image]);
  });

  it('turns RGB into gray by luminance and notes a stretched aspect ratio', () => {
    const red = tf.tidy(() => tf.tile(tf.tensor3d([[[1, 0, 0]]]), [20, 40, 1]) as tf.Tensor3D);
    const fitted = fitImage(red, [10, 10, 1]);
    assert.deepEqual(fitted.image.shape, [10, 10, 1]);
    assert.ok(Math.abs(fitted.image.dataSync()[0] - 0.299) < 1e-6);
    assert.equal(fitted.converted, true);
    assert.match(fitted.notes[0], /the aspect ratio changed from 2\.00 to 1\.00/);
    assert.equal(fitted.notes[1], 'converted RGB to gray by luminance (0.299 R + 0.587 G + 0.114 B)');
    tf.dispose([red, fitted.image]);
  });

  it('warns about dark ink on light paper and inverts when asked', () => {
    const paper = tf.tidy(() => tf.fill([28, 28, 1], 0.9) as tf.Tensor3D);
    const as = fitImage(paper, [28, 28, 1]);
    assert.equal(as.resized, false);
    assert.match(as.notes[0], /mostly light \(mean 0\.90\).*needs invert/);
    const inverted = fitImage(paper, [28, 28, 3], { invert: true });
    assert.deepEqual(inverted.image.shape, [28, 28, 3]);
    assert.ok(Math.abs(inverted.image.dataSync()[0] - 0.1) < 1e-6);
    assert.deepEqual(inverted.notes, ['converted gray to RGB by repeating the one channel', 'inverted (1 − value): dark strokes on light paper became light strokes on dark']);
    tf.dispose([paper, as.image, inverted.image]);
  });
});

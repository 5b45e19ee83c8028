import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import jpeg from 'jpeg-js';
import { decodeImagePixels, exifOrientation } from './image';

/** A 16 × 8 JPEG, its left half black and its right half white. */
function halves(): Uint8Array {
  const data = new Uint8Array(16 * 8 * 4);
  for (let y = 0; y < 8; y++) for (let x = 0; x < 16; x++) data.set(x < 8 ? [0, 0, 0, 255] : [255, 255, 255, 255], 4 * (y * 16 + x));
  return jpeg.encode({ width: 16, height: 8, data }, 95).data;
}

/** The JPEG with an APP1 EXIF segment holding one tag, the orientation, in the given byte order. */
function withOrientation(bytes: Uint8Array, orientation: number, order: 'II' | 'MM'): Uint8Array {
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  const little = order === 'II';
  const u16 = (v: number, at: number) => (little ? tiff.writeUInt16LE(v, at) : tiff.writeUInt16BE(v, at));
  const u32 = (v: number, at: number) => (little ? tiff.writeUInt32LE(v, at) : tiff.writeUInt32BE(v, at));
  tiff.write(order, 0, 'latin1');
  u16(42, 2);
  u32(8, 4);
  u16(1, 8);
  u16(0x0112, 10);
  u16(3, 12);
  u32(1, 14);
  u16(orientation, 18);
  const content = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(content.length + 2, 2);
  return Buffer.concat([Buffer.from(bytes.subarray(0, 2)), header, content, Buffer.from(bytes.subarray(2))]);
}

/** Mean value of the pixels in rows [y0, y1) and columns [x0, x1) of a one-channel picture. */
function mean(p: ReturnType<typeof decodeImagePixels>, x0: number, x1: number, y0: number, y1: number): number {
  let sum = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += p.data[y * p.width + x];
  return sum / ((x1 - x0) * (y1 - y0));
}

describe('pictures from phones', () => {
  it('reads the EXIF orientation in either byte order, and 1 where there is none', () => {
    assert.equal(exifOrientation(halves()), 1);
    assert.equal(exifOrientation(withOrientation(halves(), 6, 'II')), 6);
    assert.equal(exifOrientation(withOrientation(halves(), 8, 'MM')), 8);
  });

  it('turns a photo upright: orientation 6 is a quarter turn clockwise, 3 a half turn', () => {
    const turned = decodeImagePixels(withOrientation(halves(), 6, 'II'));
    assert.deepEqual([turned.width, turned.height, turned.channels], [8, 16, 1]);
    assert.ok(mean(turned, 0, 8, 0, 7) < 0.1 && mean(turned, 0, 8, 9, 16) > 0.9, 'the left (black) half is now on top');
    assert.match(turned.notes.join(), /EXIF orientation \(6\)/);
    const half = decodeImagePixels(withOrientation(halves(), 3, 'MM'));
    assert.deepEqual([half.width, half.height], [16, 8]);
    assert.ok(mean(half, 0, 7, 0, 8) > 0.9 && mean(half, 9, 16, 0, 8) < 0.1, 'black and white swap sides');
    assert.deepEqual(decodeImagePixels(halves()).notes, []);
  });
});

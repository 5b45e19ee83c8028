import { PNG } from 'pngjs';

/** An 8-bit RGBA picture, row-major, 4 bytes a pixel. */
export interface Raster {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A raster filled with one colour. */
export function blankRaster(width: number, height: number, rgb: readonly [number, number, number] = [255, 255, 255]): Raster {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) [data[i], data[i + 1], data[i + 2], data[i + 3]] = [rgb[0], rgb[1], rgb[2], 255];
  return { width, height, data };
}

/** Copies `source` into `target` with its top left corner at (x, y). */
export function blit(source: Raster, target: Raster, x: number, y: number): void {
  for (let row = 0; row < source.height; row++) {
    const from = row * source.width * 4;
    target.data.set(source.data.subarray(from, from + source.width * 4), ((y + row) * target.width + x) * 4);
  }
}

/** Each pixel becomes a `scale` × `scale` block: nearest neighbour, so pixels stay visible as squares. */
export function upscaleNearest(source: Raster, scale: number): Raster {
  if (scale === 1) return source;
  const width = source.width * scale;
  const height = source.height * scale;
  const data = new Uint8Array(width * height * 4);
  const view = new Uint32Array(data.buffer);
  const from = new Uint32Array(source.data.buffer, source.data.byteOffset, source.width * source.height);
  for (let y = 0; y < height; y++) {
    const sourceRow = Math.floor(y / scale) * source.width;
    for (let x = 0; x < width; x++) view[y * width + x] = from[sourceRow + Math.floor(x / scale)];
  }
  return { width, height, data };
}

/** PNG bytes of the raster (8-bit RGBA). */
export function encodePng(raster: Raster): Uint8Array {
  const png = new PNG({ width: raster.width, height: raster.height });
  png.data = Buffer.from(raster.data.buffer, raster.data.byteOffset, raster.data.byteLength);
  return PNG.sync.write(png);
}

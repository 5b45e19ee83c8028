import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { ComputeError } from '../errors';

export type InvalidImageCode = 'IMAGE_FORMAT' | 'IMAGE_TOO_LARGE';

/**
 * An uploaded picture cannot be read: not a PNG or JPEG, damaged, or larger than a worker
 * should decode. Never worth a retry: the same bytes fail the same way.
 */
export class InvalidImageError extends ComputeError {
  declare readonly code: InvalidImageCode;
  constructor(code: InvalidImageCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export interface ImagePixels {
  format: 'png' | 'jpeg';
  width: number;
  height: number;
  /** 1 when every pixel is gray (red = green = blue), else 3. */
  channels: 1 | 3;
  /** height × width × channels, row-major, values 0..1. */
  data: Float32Array;
  /** What decoding changed, in sentences for the job's log and result. */
  notes: string[];
}

/** Pictures beyond this many pixels are refused before decoding: 16 megapixels take 64 MB as RGBA. */
export const MAX_IMAGE_PIXELS = 4096 * 4096;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** `png` or `jpeg` from the first bytes, or undefined. */
export function imageFormatOf(bytes: Uint8Array): 'png' | 'jpeg' | undefined {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/**
 * Reads a PNG (pngjs) or JPEG (jpeg-js) into values 0..1. Transparent pixels are laid over
 * black, the background of MNIST-like data; a picture whose pixels are all gray comes back
 * with one channel, whatever colour type the file declares.
 */
export function decodeImagePixels(bytes: Uint8Array): ImagePixels {
  const format = imageFormatOf(bytes);
  if (!format) {
    const start = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new InvalidImageError('IMAGE_FORMAT', `the file is neither a PNG nor a JPEG image (it starts with ${start || 'nothing'})`);
  }
  const notes: string[] = [];
  let { width, height, rgba } = format === 'png' ? readPng(bytes) : readJpeg(bytes);
  const orientation = format === 'jpeg' ? exifOrientation(bytes) : 1;
  if (orientation !== 1) {
    ({ width, height, rgba } = upright(width, height, rgba, orientation));
    notes.push(`turned upright as the photo's EXIF orientation (${orientation}) says`);
  }
  const n = width * height;
  let gray = true;
  let transparent = 0;
  for (let i = 0; i < n; i++) {
    const [r, g, b, a] = [rgba[i * 4], rgba[i * 4 + 1], rgba[i * 4 + 2], rgba[i * 4 + 3]];
    if (r !== g || g !== b) gray = false;
    if (a !== 255) transparent++;
  }
  const channels = gray ? 1 : 3;
  const data = new Float32Array(n * channels);
  for (let i = 0; i < n; i++) {
    const alpha = rgba[i * 4 + 3] / 255;
    for (let c = 0; c < channels; c++) data[i * channels + c] = (rgba[i * 4 + c] / 255) * alpha;
  }
  if (transparent > 0) notes.push(`${transparent} of ${n} pixels are (partly) transparent; they were laid over black`);
  return { format, width, height, channels, data, notes };
}

function readPng(bytes: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  // IHDR comes first: signature (8), chunk length (4), "IHDR" (4), width, height. A file
  // without it is damaged, which the decoder says better than a made-up size would.
  if (bytes.length >= 24 && Buffer.from(bytes.subarray(12, 16)).toString('latin1') === 'IHDR') {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    checkSize(view.getUint32(16), view.getUint32(20));
  }
  try {
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { width: png.width, height: png.height, rgba: png.data };
  } catch (e) {
    throw new InvalidImageError('IMAGE_FORMAT', `the PNG image cannot be read: ${(e as Error).message}`, { cause: e });
  }
}

function readJpeg(bytes: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 256 });
  } catch (e) {
    const message = (e as Error).message;
    if (/maxResolutionInMP|maxMemoryUsageInMB/.test(message)) {
      throw new InvalidImageError('IMAGE_TOO_LARGE', `the JPEG image is larger than ${MAX_IMAGE_PIXELS} pixels (${message})`, { cause: e });
    }
    throw new InvalidImageError('IMAGE_FORMAT', `the JPEG image cannot be read: ${message}`, { cause: e });
  }
  checkSize(decoded.width, decoded.height);
  return { width: decoded.width, height: decoded.height, rgba: decoded.data };
}

/**
 * The EXIF orientation (1–8) of a JPEG, 1 when it has none. Cameras and phones store a photo as
 * the sensor saw it and say in this tag how to turn it; a decoder that ignores the tag shows a
 * portrait photo lying on its side.
 */
export function exifOrientation(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Segments after SOI: FF marker, 2-byte big-endian length (counting itself), content.
  for (let at = 2; at + 4 <= bytes.length && bytes[at] === 0xff; ) {
    const marker = bytes[at + 1];
    const length = view.getUint16(at + 2);
    if (marker === 0xda || marker === 0xd9) break; // the image data begins: no more metadata
    const start = at + 4;
    if (marker === 0xe1 && start + 14 <= bytes.length && Buffer.from(bytes.subarray(start, start + 6)).toString('latin1') === 'Exif\0\0') {
      return tiffOrientation(view, start + 6, Math.min(bytes.length, at + 2 + length));
    }
    at += 2 + length;
  }
  return 1;
}

/** Tag 0x0112 of IFD0 in the TIFF structure at `tiff`, 1 when absent or out of range. */
function tiffOrientation(view: DataView, tiff: number, end: number): number {
  const little = view.getUint16(tiff) === 0x4949; // "II"
  const u16 = (at: number) => (at + 2 <= end ? view.getUint16(at, little) : 0);
  const ifd = tiff + (tiff + 8 <= end ? view.getUint32(tiff + 4, little) : 0);
  const entries = u16(ifd);
  for (let i = 0; i < entries; i++) {
    const entry = ifd + 2 + 12 * i;
    if (entry + 12 > end) break;
    if (u16(entry) === 0x0112) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

/** RGBA pixels turned as EXIF orientation `o` says: mirrored (2, 4), turned (3, 6, 8), or both (5, 7). */
function upright(width: number, height: number, rgba: Uint8Array, o: number): { width: number; height: number; rgba: Uint8Array } {
  const swaps = o >= 5;
  const [w, h] = swaps ? [height, width] : [width, height];
  const out = new Uint8Array(rgba.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [sx, sy] = sourceOf(x, y, width, height, o);
      out.set(rgba.subarray(4 * (sy * width + sx), 4 * (sy * width + sx) + 4), 4 * (y * w + x));
    }
  }
  return { width: w, height: h, rgba: out };
}

/** Where pixel (x, y) of the upright picture is in the stored one (W × H). */
function sourceOf(x: number, y: number, W: number, H: number, o: number): [number, number] {
  switch (o) {
    case 2:
      return [W - 1 - x, y];
    case 3:
      return [W - 1 - x, H - 1 - y];
    case 4:
      return [x, H - 1 - y];
    case 5:
      return [y, x];
    case 6:
      return [y, H - 1 - x];
    case 7:
      return [W - 1 - y, H - 1 - x];
    case 8:
      return [W - 1 - y, x];
    default:
      return [x, y];
  }
}

function checkSize(width: number, height: number): void {
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new InvalidImageError('IMAGE_TOO_LARGE', `the image is ${width}x${height}, more than ${MAX_IMAGE_PIXELS} pixels; scale it down before uploading`);
  }
  if (width === 0 || height === 0) throw new InvalidImageError('IMAGE_FORMAT', `the image is ${width}x${height}: it has no pixels`);
}

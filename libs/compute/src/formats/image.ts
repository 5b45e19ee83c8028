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
  const { width, height, rgba } = format === 'png' ? readPng(bytes) : readJpeg(bytes);
  const notes: string[] = [];
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

function checkSize(width: number, height: number): void {
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new InvalidImageError('IMAGE_TOO_LARGE', `the image is ${width}x${height}, more than ${MAX_IMAGE_PIXELS} pixels; scale it down before uploading`);
  }
  if (width === 0 || height === 0) throw new InvalidImageError('IMAGE_FORMAT', `the image is ${width}x${height}: it has no pixels`);
}

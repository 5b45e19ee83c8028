import { gunzipSync } from 'node:zlib';
import { InvalidInputError } from '../errors';

/** A tensor read from a file: `dims` outermost first, `data` in row-major (C) order. */
export interface IdxTensor {
  dims: number[];
  data: Float64Array;
}

/** The IDX element types by their magic byte, with their size in bytes. */
const IDX_TYPES = {
  0x08: { name: 'unsigned byte', size: 1 },
  0x09: { name: 'signed byte', size: 1 },
  0x0b: { name: 'int16', size: 2 },
  0x0c: { name: 'int32', size: 4 },
  0x0d: { name: 'float32', size: 4 },
  0x0e: { name: 'float64', size: 8 },
} as const;

export type IdxTypeCode = keyof typeof IDX_TYPES;

/** Where an IDX file's elements are: `bytes` is the file after any gzip is undone. */
export interface IdxLayout {
  bytes: Uint8Array;
  type: IdxTypeCode;
  dims: number[];
  /** Byte offset of the first element in `bytes`. */
  offset: number;
  /** Number of elements, the product of `dims`. */
  count: number;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Reads an IDX file (the format MNIST and Fashion-MNIST ship in) into float64, gzip-compressed
 * or not. Unsigned bytes, by far the common case, are widened by a typed-array copy rather than
 * element by element, which keeps 70,000 images of 28 × 28 well under a second.
 * Throws {@link InvalidInputError} with code `IDX_FORMAT` when the bytes are not an IDX file.
 */
export function parseIdx(bytes: Uint8Array): IdxTensor {
  const { bytes: raw, type, dims, offset, count } = idxLayout(bytes);
  const data = new Float64Array(count);
  if (type === 0x08) {
    data.set(raw.subarray(offset, offset + count));
  } else if (type === 0x09) {
    data.set(new Int8Array(raw.buffer, raw.byteOffset + offset, count));
  } else {
    // Big-endian multi-byte elements cannot be viewed as a typed array on a little-endian host.
    const view = new DataView(raw.buffer, raw.byteOffset + offset, count * IDX_TYPES[type].size);
    if (type === 0x0b) for (let i = 0; i < count; i++) data[i] = view.getInt16(2 * i);
    else if (type === 0x0c) for (let i = 0; i < count; i++) data[i] = view.getInt32(4 * i);
    else if (type === 0x0d) for (let i = 0; i < count; i++) data[i] = view.getFloat32(4 * i);
    else for (let i = 0; i < count; i++) data[i] = view.getFloat64(8 * i);
  }
  return { dims, data };
}

/**
 * Checks an IDX file's header against its length and says where its elements are, without
 * converting them, for callers that copy unsigned bytes straight into a larger matrix.
 */
export function idxLayout(input: Uint8Array): IdxLayout {
  const bytes = isGzip(input) ? gunzip(input) : input;
  return { bytes, ...idxHeader(bytes, bytes.length) };
}

/** The size in bytes of one element of an IDX type. */
export function idxElementSize(type: IdxTypeCode): number {
  return IDX_TYPES[type].size;
}

/**
 * An IDX header read from the file's first bytes (at least `4 + 4 × dimensions`), checked
 * against `fileLength` when it is known (a gzip-compressed file's is not until it is read).
 */
export function idxHeader(bytes: Uint8Array, fileLength?: number): Omit<IdxLayout, 'bytes'> {
  if (bytes.length < 4) throw formatError(`the file has ${bytes.length} bytes, too few for the 4-byte IDX header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw formatError(`the file does not start like an IDX file (its first bytes are ${hex(bytes.subarray(0, 4))}, expected 00 00 then the type and dimension count)`);
  }
  const type = bytes[2];
  if (!isIdxType(type)) {
    throw formatError(`the element type 0x${type.toString(16).padStart(2, '0')} is unknown; IDX defines 0x08 (unsigned byte), 0x09 (signed byte), 0x0b (int16), 0x0c (int32), 0x0d (float32) and 0x0e (float64)`);
  }
  const ndims = bytes[3];
  if (ndims === 0) throw formatError('the file declares 0 dimensions; a tensor needs at least one');
  const offset = 4 + 4 * ndims;
  if (bytes.length < offset) {
    throw formatError(`the file is truncated: it has ${bytes.length} bytes, but its header alone (${ndims} dimensions) needs ${offset}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
  const count = dims.reduce((a, b) => a * b, 1);
  if (fileLength !== undefined) checkIdxLength(type, dims, offset, fileLength);
  return { type, dims, offset, count };
}

/** Refuses a file shorter or longer than its header says. */
export function checkIdxLength(type: IdxTypeCode, dims: readonly number[], offset: number, fileLength: number): void {
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = offset + count * IDX_TYPES[type].size;
  const shape = `${dims.join(' × ')} ${IDX_TYPES[type].name} values`;
  if (fileLength < expected) {
    throw formatError(`the file is truncated: ${shape} need a file of ${expected} bytes, this one has ${fileLength}`);
  }
  if (fileLength > expected) {
    throw formatError(`the file is longer than its header says: ${shape} need a file of ${expected} bytes, this one has ${fileLength}`);
  }
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

function gunzip(bytes: Uint8Array): Uint8Array {
  try {
    return gunzipSync(bytes);
  } catch (cause) {
    throw formatError(`the file looks gzip-compressed but does not decompress (${(cause as Error).message})`, cause);
  }
}

function isIdxType(type: number): type is IdxTypeCode {
  return Object.hasOwn(IDX_TYPES, type);
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function formatError(message: string, cause?: unknown): InvalidInputError {
  return new InvalidInputError('IDX_FORMAT', message, { cause });
}

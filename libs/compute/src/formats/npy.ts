import { InvalidInputError, InvalidParameterError } from '../errors';
import { quoteInput } from '@gpulab/contracts';

/** An array read from a `.npy` file: `shape` as NumPy gives it, `data` in row-major (C) order. */
export interface NpyArray {
  shape: number[];
  data: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** Bytes of an `.npy` file before its header's length is known: magic, version and a length of 2 or 4 bytes. */
export const NPY_PREAMBLE_BYTES = 12;

/** Where an `.npy` file's elements start, from its first `NPY_PREAMBLE_BYTES` (or fewer, for a short file: undefined). */
export function npyDataOffset(preamble: Uint8Array): number | undefined {
  if (preamble.length < 10) return undefined;
  const view = new DataView(preamble.buffer, preamble.byteOffset, preamble.byteLength);
  if (preamble[6] === 1) return 10 + view.getUint16(8, true);
  if (preamble.length < 12) return undefined;
  return 12 + view.getUint32(8, true);
}

/** The format's major version, once the magic and version (the first 10 bytes) are checked. */
export function checkNpyPreamble(bytes: Uint8Array): number {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw formatError('the file is not a NumPy .npy file (it does not start with \\x93NUMPY); save it with numpy.save');
  }
  const major = bytes[6];
  const minor = bytes[7];
  if (!(major >= 1 && major <= 3) || minor !== 0) {
    throw formatError(`.npy format version ${major}.${minor} is not supported; versions 1.0, 2.0 and 3.0 are`);
  }
  return major;
}

/** The element type of a `descr` such as '<f4', refused when it is not a plain number. */
export function npyElementType(descr: string): { size: number; read: Reader; littleEndian: boolean } {
  return { ...elementType(descr), littleEndian: descr[0] !== '>' };
}

/** NumPy pads the header so the data starts on a 64-byte boundary, for memory mapping. */
const HEADER_ALIGNMENT = 64;

export type Reader = (view: DataView, byteOffset: number, littleEndian: boolean) => number;

/** Element types by their kind and size, e.g. 'f4'; the byte order comes from the prefix. */
const NPY_TYPES: Record<string, { size: number; read: Reader }> = {
  f4: { size: 4, read: (v, o, le) => v.getFloat32(o, le) },
  f8: { size: 8, read: (v, o, le) => v.getFloat64(o, le) },
  u1: { size: 1, read: (v, o) => v.getUint8(o) },
  i1: { size: 1, read: (v, o) => v.getInt8(o) },
  b1: { size: 1, read: (v, o) => (v.getUint8(o) === 0 ? 0 : 1) },
  i2: { size: 2, read: (v, o, le) => v.getInt16(o, le) },
  u2: { size: 2, read: (v, o, le) => v.getUint16(o, le) },
  i4: { size: 4, read: (v, o, le) => v.getInt32(o, le) },
  u4: { size: 4, read: (v, o, le) => v.getUint32(o, le) },
  // Beyond 2^53 the nearest double is taken, as NumPy's astype(float64) does.
  i8: { size: 8, read: (v, o, le) => Number(v.getBigInt64(o, le)) },
  u8: { size: 8, read: (v, o, le) => Number(v.getBigUint64(o, le)) },
};

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * An `.npy` file's header, checked against the file's length, without reading its elements:
 * how large its matrix will be is known before it is made.
 */
export function readNpyHeader(
  bytes: Uint8Array,
  /** The whole file's length, when `bytes` is only its beginning (the header, read as a stream); null: not known yet. */
  fileLength: number | null = bytes.length,
): { descr: string; fortranOrder: boolean; shape: number[]; dataOffset: number; type: { size: number; read: Reader }; count: number } {
  const major = checkNpyPreamble(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthSize = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthSize) throw formatError('the file is truncated inside its header');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = 8 + lengthSize + headerLength;
  if (bytes.length < dataOffset) {
    throw formatError(`the file is truncated: its header says it is ${headerLength} bytes long, but the file ends before that`);
  }
  const headerBytes = bytes.subarray(8 + lengthSize, dataOffset);
  // Versions 1 and 2 are ASCII, version 3 UTF-8; UTF-8 decoding reads all three.
  const header = new TextDecoder().decode(headerBytes);
  const { descr, fortranOrder, shape } = parseHeader(header);

  const type = elementType(descr);
  const count = shape.reduce((a, b) => a * b, 1);
  const needed = count * type.size;
  if (fileLength !== null) {
    const available = fileLength - dataOffset;
    const described = `shape (${shape.join(', ')}) of '${descr}'`;
    if (available < needed) throw formatError(`the file is truncated: ${described} needs ${needed} bytes of data, the file has ${available}`);
    if (available > needed) throw formatError(`the file is longer than its header says: ${described} needs ${needed} bytes of data, the file has ${available}`);
  }
  return { descr, fortranOrder, shape, dataOffset, type, count };
}

/**
 * Reads a NumPy `.npy` file (format versions 1.0, 2.0 and 3.0) into float64. Accepts floats,
 * integers and booleans in either byte order; a Fortran-ordered array is reordered, so `data` is
 * always row-major. Throws {@link InvalidInputError} with code `NPY_FORMAT` for anything else,
 * saying what to convert to.
 */
export function parseNpy(bytes: Uint8Array): NpyArray {
  const { descr, fortranOrder, shape, dataOffset, type, count } = readNpyHeader(bytes);
  const data = readElements(bytes, dataOffset, count, descr, type);
  return { shape, data: fortranOrder && shape.length > 1 ? toRowMajor(data, shape) : data };
}

/**
 * Writes a version 1.0 `.npy` file of little-endian float32 in C order, which `numpy.load`
 * reads on any machine. Float32 rather than float64 because the files are embeddings a
 * student downloads, and half the bytes matter more there than digits past the seventh.
 */
export function encodeNpy(shape: readonly number[], data: Float32Array): Uint8Array {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new InvalidParameterError('shape', `the shape must be whole numbers of at least 0, not (${shape.join(', ')})`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new InvalidParameterError('shape', `the shape (${shape.join(', ')}) holds ${count} values, the data has ${data.length}`);
  }
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${tuple}, }`;
  // Magic (6), version (2) and length (2), then the dict padded with spaces and ended by '\n'.
  const unpadded = 10 + dict.length + 1;
  const header = dict + ' '.repeat((HEADER_ALIGNMENT - (unpadded % HEADER_ALIGNMENT)) % HEADER_ALIGNMENT) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const body = 10 + header.length;
  if (HOST_LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), body);
  } else {
    const view = new DataView(out.buffer, body);
    for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i], true);
  }
  return out;
}

interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

/**
 * The header is a Python dict literal; NumPy writes it in one fixed form, so reading its three
 * keys with patterns is enough and avoids a Python-literal parser.
 */
function parseHeader(header: string): NpyHeader {
  const shown = quoteInput(header.trim());
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header);
  if (!descr) {
    if (/['"]descr['"]\s*:\s*\[/.test(header)) {
      throw formatError('structured arrays (with named fields) are not supported; save a plain numeric array, e.g. numpy.save(path, array.astype(numpy.float32))');
    }
    throw formatError(`the header has no dtype ('descr'): ${shown}`);
  }
  const order = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
  if (!order) throw formatError(`the header has no 'fortran_order': ${shown}`);
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (!shape) throw formatError(`the header has no 'shape': ${shown}`);
  const dims = shape[1]
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '');
  if (!dims.every((d) => /^\d+L?$/.test(d))) throw formatError(`the shape (${shape[1]}) is not a tuple of whole numbers`);
  return { descr: descr[1], fortranOrder: order[1] === 'True', shape: dims.map((d) => parseInt(d, 10)) };
}

function elementType(descr: string): { size: number; read: Reader } {
  const match = /^([<>|=])([a-zA-Z]\d+)$/.exec(descr);
  const type = match ? NPY_TYPES[match[2]] : undefined;
  if (!match || !type || (match[1] === '|' && type.size > 1)) {
    throw formatError(`dtype '${descr}' is not supported; use float32, float64 or an integer type`);
  }
  return type;
}

function readElements(bytes: Uint8Array, offset: number, count: number, descr: string, type: { size: number; read: Reader }): Float64Array {
  const data = new Float64Array(count);
  const order = descr[0];
  // '=' is the writer's native order, which NumPy never writes to a file; little-endian it is.
  const littleEndian = order !== '>';
  if (descr.endsWith('u1')) {
    data.set(bytes.subarray(offset, offset + count));
  } else if (descr.endsWith('i1')) {
    data.set(new Int8Array(bytes.buffer, bytes.byteOffset + offset, count));
  } else if (descr === '<f4' && HOST_LITTLE_ENDIAN && (bytes.byteOffset + offset) % 4 === 0) {
    data.set(new Float32Array(bytes.buffer, bytes.byteOffset + offset, count));
  } else if (descr === '<f8' && HOST_LITTLE_ENDIAN && (bytes.byteOffset + offset) % 8 === 0) {
    data.set(new Float64Array(bytes.buffer, bytes.byteOffset + offset, count));
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * type.size);
    for (let i = 0; i < count; i++) data[i] = type.read(view, i * type.size, littleEndian);
  }
  return data;
}

/** Column-major (first index fastest) to row-major (last index fastest). */
export function toRowMajor(data: Float64Array, shape: readonly number[]): Float64Array {
  const out = new Float64Array(data.length);
  if (shape.length === 2) {
    const [rows, cols] = shape;
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = data[j * rows + i];
    return out;
  }
  // Walk the row-major positions with an odometer over the indices, tracking the Fortran offset.
  const n = shape.length;
  const fortranStride = new Array<number>(n);
  for (let k = 0, s = 1; k < n; k++) {
    fortranStride[k] = s;
    s *= shape[k];
  }
  const index = new Array<number>(n).fill(0);
  let source = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = data[source];
    for (let k = n - 1; k >= 0; k--) {
      index[k]++;
      source += fortranStride[k];
      if (index[k] < shape[k]) break;
      source -= fortranStride[k] * shape[k];
      index[k] = 0;
    }
  }
  return out;
}

function formatError(message: string): InvalidInputError {
  return new InvalidInputError('NPY_FORMAT', message);
}

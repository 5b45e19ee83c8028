/**
 * The binary form of a numeric matrix in the Object Store: a 16-byte header
 * (magic "GLM1", uint32 rows, uint32 cols, 4 bytes reserved) then rows*cols float64, row-major,
 * little-endian. Raw floats keep the worker from parsing text a second time.
 */
const MAGIC = 0x314d4c47; // "GLM1" little-endian
const HEADER_BYTES = 16;

export interface EncodedMatrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function encodeMatrix(m: EncodedMatrix): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + m.data.length * 8);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, m.rows, true);
  view.setUint32(8, m.cols, true);
  new Float64Array(out.buffer, HEADER_BYTES, m.data.length).set(m.data);
  return out;
}

export function decodeMatrix(bytes: Uint8Array): EncodedMatrix {
  if (bytes.byteLength < HEADER_BYTES) throw new Error('matrix data is truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new Error('not a gpulab matrix');
  const rows = view.getUint32(4, true);
  const cols = view.getUint32(8, true);
  if (bytes.byteLength !== HEADER_BYTES + rows * cols * 8) throw new Error('matrix data has the wrong length');
  // Copy: the source buffer may not be 8-byte aligned.
  const data = new Float64Array(rows * cols);
  new Uint8Array(data.buffer).set(bytes.subarray(HEADER_BYTES));
  return { rows, cols, data };
}

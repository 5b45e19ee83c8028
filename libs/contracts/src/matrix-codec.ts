/**
 * The binary form of a numeric matrix in the Object Store: a 16-byte header
 * (magic "GLM1", uint32 rows, uint32 cols, uint32 flags) then rows*cols float64, row-major,
 * little-endian. Raw floats keep the worker from parsing text a second time.
 *
 * With flag bit 0 set, per-row labels follow the floats: uint32 byte length and the UTF-8 JSON
 * array of class names, then one int32 class index per row.
 */
const MAGIC = 0x314d4c47; // "GLM1" little-endian
const HEADER_BYTES = 16;
const HAS_LABELS = 1;

export interface EncodedLabels {
  /** Index into `names` for each row. */
  codes: Int32Array;
  names: string[];
}

export interface EncodedMatrix {
  rows: number;
  cols: number;
  data: Float64Array;
  labels?: EncodedLabels;
}

export function encodeMatrix(m: EncodedMatrix): Uint8Array {
  return Buffer.concat(encodeMatrixParts(m));
}

/**
 * The bytes of {@link encodeMatrix} as pieces to write one after the other: the floats are a view
 * of `m.data`, not a copy, so storing a large matrix needs no second one in memory.
 */
export function encodeMatrixParts(m: EncodedMatrix): Uint8Array[] {
  const header = new Uint8Array(HEADER_BYTES);
  const view = new DataView(header.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, m.rows, true);
  view.setUint32(8, m.cols, true);
  view.setUint32(12, m.labels ? HAS_LABELS : 0, true);
  const floats = new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.length * 8);
  if (!m.labels) return [header, floats];
  if (m.labels.codes.length !== m.rows) throw new Error(`${m.labels.codes.length} labels for ${m.rows} rows`);
  const names = Buffer.from(JSON.stringify(m.labels.names));
  const labels = new Uint8Array(4 + names.byteLength + m.rows * 4);
  const labelView = new DataView(labels.buffer);
  labelView.setUint32(0, names.byteLength, true);
  labels.set(names, 4);
  for (let i = 0; i < m.rows; i++) labelView.setInt32(4 + names.byteLength + 4 * i, m.labels.codes[i], true);
  return [header, floats, labels];
}

/** Bytes a rows × cols matrix takes encoded, its labels' names aside (4 bytes per row for their codes). */
export function encodedMatrixBytes(rows: number, cols: number, labeled = false): number {
  return HEADER_BYTES + rows * cols * 8 + (labeled ? 4 + rows * 4 : 0);
}

export interface DecodeMatrixOptions {
  /**
   * Put the floats in a SharedArrayBuffer, so compute threads read them without a copy of
   * their own (a worker's 70,000 × 784 input is 439 MB). @default false
   */
  shared?: boolean;
}

export function decodeMatrix(bytes: Uint8Array, options: DecodeMatrixOptions = {}): EncodedMatrix {
  if (bytes.byteLength < HEADER_BYTES) throw new Error('matrix data is truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new Error('not a gpulab matrix');
  const rows = view.getUint32(4, true);
  const cols = view.getUint32(8, true);
  const flags = view.getUint32(12, true);
  const floatEnd = HEADER_BYTES + rows * cols * 8;
  const hasLabels = (flags & HAS_LABELS) !== 0;
  if (hasLabels ? bytes.byteLength < floatEnd + 4 : bytes.byteLength !== floatEnd) throw new Error('matrix data has the wrong length');
  // Copy: the source buffer may not be 8-byte aligned.
  const data = options.shared ? new Float64Array(new SharedArrayBuffer(rows * cols * 8)) : new Float64Array(rows * cols);
  new Uint8Array(data.buffer).set(bytes.subarray(HEADER_BYTES, floatEnd));
  if (!hasLabels) return { rows, cols, data };
  const nameBytes = view.getUint32(floatEnd, true);
  const codesAt = floatEnd + 4 + nameBytes;
  if (bytes.byteLength !== codesAt + rows * 4) throw new Error('matrix labels have the wrong length');
  const names = JSON.parse(Buffer.from(bytes.subarray(floatEnd + 4, codesAt)).toString('utf8')) as string[];
  const codes = new Int32Array(rows);
  for (let i = 0; i < rows; i++) codes[i] = view.getInt32(codesAt + 4 * i, true);
  return { rows, cols, data, labels: { codes, names } };
}

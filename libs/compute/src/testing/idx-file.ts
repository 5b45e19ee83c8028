import { gzipSync } from 'node:zlib';

const SIZES: Record<number, number> = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 };

/** The bytes of an IDX file of `dims` holding `values` (big-endian, as the format has it). */
export function idxFile(type: number, dims: readonly number[], values: readonly number[], options: { gzip?: boolean } = {}): Uint8Array {
  const size = SIZES[type] ?? 1;
  const out = new Uint8Array(4 + 4 * dims.length + size * values.length);
  const view = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  const at = 4 + 4 * dims.length;
  values.forEach((v, i) => {
    const o = at + size * i;
    if (type === 0x08) view.setUint8(o, v);
    else if (type === 0x09) view.setInt8(o, v);
    else if (type === 0x0b) view.setInt16(o, v);
    else if (type === 0x0c) view.setInt32(o, v);
    else if (type === 0x0d) view.setFloat32(o, v);
    else view.setFloat64(o, v);
  });
  return options.gzip ? gzipSync(out) : out;
}

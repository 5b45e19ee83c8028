import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '../errors';
import { parseIdx } from './idx';
import { encodeNpy, parseNpy } from './npy';
import { TensorStreamReader } from './tensor-stream';

/** `bytes` pushed in pieces of `size` bytes: every element and the header split across pieces. */
function streamed(format: 'npy' | 'idx', bytes: Uint8Array, size: number, fileLength: number | undefined = bytes.length) {
  const reader = new TensorStreamReader(format, fileLength);
  for (let at = 0; at < bytes.length; at += size) reader.push(bytes.subarray(at, at + size));
  return reader.end();
}

/** An IDX file of big-endian int16 values. */
function idxInt16(dims: number[], values: number[]): Uint8Array {
  const out = Buffer.alloc(4 + 4 * dims.length + 2 * values.length);
  out.set([0, 0, 0x0b, dims.length]);
  dims.forEach((d, i) => out.writeUInt32BE(d, 4 + 4 * i));
  values.forEach((v, i) => out.writeInt16BE(v, 4 + 4 * dims.length + 2 * i));
  return out;
}

const formatError = (code: string, message: RegExp) => (e: unknown) => e instanceof InvalidInputError && e.code === code && message.test(e.message);

describe('TensorStreamReader', () => {
  const values = Float32Array.from({ length: 6 * 7 }, (_, i) => i * 0.5 - 3);
  const npy = encodeNpy([6, 7], values);

  it('reads an NPY file pushed in pieces of any size as the whole-file reader does', () => {
    const whole = parseNpy(npy);
    for (const size of [1, 3, 7, 64, 1000]) {
      const read = streamed('npy', npy, size);
      assert.deepEqual(read.dims, whole.shape, `pieces of ${size}`);
      assert.deepEqual(read.data, whole.data, `pieces of ${size}`);
    }
  });

  it('reads an IDX file of big-endian values in pieces, and a compressed one of unknown length', () => {
    const idx = idxInt16([3, 2, 2], [-3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 300, -300]);
    const whole = parseIdx(idx);
    for (const size of [1, 5, 16]) assert.deepEqual(streamed('idx', idx, size), { dims: whole.dims, data: whole.data });
    assert.deepEqual(streamed('idx', idx, 3, undefined), { dims: whole.dims, data: whole.data });
  });

  it('knows the dimensions once the header is in, before any element: the caller checks the space first', () => {
    const reader = new TensorStreamReader('npy', npy.length);
    const headerLength = npy.length - values.length * 4;
    reader.push(npy.subarray(0, headerLength - 1));
    assert.equal(reader.dims, undefined);
    reader.push(npy.subarray(headerLength - 1, headerLength + 2));
    assert.deepEqual(reader.dims, [6, 7]);
    reader.push(npy.subarray(headerLength + 2));
    assert.equal(reader.end().data[41], values[41]);
  });

  it('refuses a file shorter or longer than its header says, and one that is not NPY, as the whole-file readers do', () => {
    assert.throws(() => streamed('npy', npy.subarray(0, npy.length - 3), 8, undefined), formatError('NPY_FORMAT', /truncated: shape \(6, 7\) of '<f4' needs 168 bytes of data, the file has 165/));
    assert.throws(() => streamed('npy', npy.subarray(0, npy.length - 3), 8), formatError('NPY_FORMAT', /truncated/));
    const longer = new Uint8Array(npy.length + 4);
    longer.set(npy);
    assert.throws(() => streamed('npy', longer, 8, undefined), formatError('NPY_FORMAT', /longer than its header says/));
    assert.throws(() => streamed('npy', new TextEncoder().encode('a,b\n1,2\n'.repeat(100)), 16), formatError('NPY_FORMAT', /not a NumPy \.npy file/));
    const idx = idxInt16([4], [1, 2, 3, 4]);
    assert.throws(() => streamed('idx', idx.subarray(0, idx.length - 1), 2, undefined), formatError('IDX_FORMAT', /truncated/));
    assert.throws(() => streamed('idx', new Uint8Array(2), 1), formatError('IDX_FORMAT', /too few for the 4-byte IDX header/));
  });

  it('does not wait for a header longer than NumPy ever writes', () => {
    const header = new Uint8Array(12);
    header.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
    new DataView(header.buffer).setUint32(8, 2 ** 31, true);
    assert.throws(() => new TensorStreamReader('npy').push(header), formatError('NPY_FORMAT', /header says it is \d+ bytes long/));
  });

  it('reorders a Fortran-ordered array to row-major', () => {
    const fortran = new Uint8Array(npy);
    const text = new TextDecoder().decode(fortran.subarray(10, 80)).replace("'fortran_order': False", "'fortran_order': True ");
    fortran.set(new TextEncoder().encode(text), 10);
    assert.deepEqual(streamed('npy', fortran, 5).data, parseNpy(fortran).data);
  });

  it('holds the matrix and a chunk, not the file: a 32 MiB NPY grows the process by its 64 MiB matrix and little more', () => {
    const rows = 524_288;
    const cols = 16;
    // The header of the large file, taken from a small one; the body is one chunk pushed again and again.
    const one = encodeNpy([1, cols], new Float32Array(cols));
    const dict = Buffer.from(one.subarray(10, one.length - cols * 4)).toString('latin1').replace('(1, 16)', `(${rows}, 16)`);
    const header = Buffer.alloc(10 + dict.length);
    header.set(one.subarray(0, 8));
    header.writeUInt16LE(dict.length, 8);
    header.write(dict, 10, 'latin1');
    const chunk = new Uint8Array(Float32Array.from({ length: 262_144 }, (_, i) => i % 7).buffer);
    const fileBytes = rows * cols * 4;
    const before = process.memoryUsage().rss;
    let peak = before;
    const reader = new TensorStreamReader('npy', header.length + fileBytes);
    reader.push(header);
    for (let sent = 0; sent < fileBytes; sent += chunk.length) {
      reader.push(chunk);
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    const { data } = reader.end();
    const MiB = 1024 * 1024;
    const grown = (Math.max(peak, process.memoryUsage().rss) - before) / MiB;
    assert.equal(data.length, rows * cols);
    assert.equal(data[rows * cols - 1], (262_144 - 1) % 7);
    // Holding the file too would be 32 MiB more.
    assert.ok(grown < data.byteLength / MiB + 16, `grew ${grown.toFixed(0)} MiB for a ${data.byteLength / MiB} MiB matrix`);
  });
});

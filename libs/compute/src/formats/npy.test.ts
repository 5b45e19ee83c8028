import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError, InvalidParameterError } from '../errors';
import { encodeNpy, parseNpy } from './npy';

/** A .npy file as NumPy lays it out, with the header dict and body given. */
function npyFile(header: string, body: Uint8Array, version = 1): Uint8Array {
  const lengthSize = version === 1 ? 2 : 4;
  const text = new TextEncoder().encode(header);
  const padded = new Uint8Array(Math.ceil((8 + lengthSize + text.length + 1) / 64) * 64 - 8 - lengthSize).fill(0x20);
  padded.set(text);
  padded[padded.length - 1] = 0x0a;
  const out = new Uint8Array(8 + lengthSize + padded.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, padded.length, true);
  else view.setUint32(8, padded.length, true);
  out.set(padded, 8 + lengthSize);
  out.set(body, 8 + lengthSize + padded.length);
  return out;
}

const dict = (descr: string, shape: string, fortran = false) => `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shape}, }`;

/** `values` written as `size`-byte elements by `write`, in the byte order asked for. */
function body(values: readonly number[], size: number, write: (view: DataView, offset: number, value: number, littleEndian: boolean) => void, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => write(view, i * size, v, littleEndian));
  return out;
}

const refusal = (bytes: Uint8Array, pattern: RegExp) =>
  assert.throws(() => parseNpy(bytes), (e: unknown) => {
    assert.ok(e instanceof InvalidInputError, `expected an InvalidInputError, got ${String(e)}`);
    assert.equal(e.code, 'NPY_FORMAT');
    assert.match(e.message, pattern);
    return true;
  });

describe('NumPy .npy files', () => {
  it('reads back what encodeNpy wrote, for any number of dimensions', () => {
    const cases: [number[], number[]][] = [
      [[3, 4], Array.from({ length: 12 }, (_, i) => i / 4 - 1)],
      [[5], [1, -2, 3.5, 0, 1e-3]],
      [[2, 3, 2], Array.from({ length: 12 }, (_, i) => i * i)],
      [[], [42]],
      [[0, 3], []],
    ];
    for (const [shape, values] of cases) {
      const data = Float32Array.from(values);
      const { shape: readShape, data: read } = parseNpy(encodeNpy(shape, data));
      assert.deepEqual(readShape, shape);
      assert.deepEqual(Array.from(read), Array.from(data));
    }
  });

  it('writes a version 1.0 header as NumPy does, padded so the data starts at a multiple of 64', () => {
    for (const shape of [[3, 4], [7], [1000, 2, 3, 4, 5, 6]]) {
      const bytes = encodeNpy(shape, new Float32Array(shape.reduce((a, b) => a * b, 1)));
      const headerLength = new DataView(bytes.buffer).getUint16(8, true);
      assert.deepEqual(Array.from(bytes.subarray(0, 8)), [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
      assert.equal((10 + headerLength) % 64, 0);
      const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
      const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
      assert.equal(header.trimEnd(), `{'descr': '<f4', 'fortran_order': False, 'shape': ${tuple}, }`);
      assert.ok(header.endsWith(' \n'));
    }
  });

  it('refuses to encode data that does not fill the shape', () => {
    assert.throws(() => encodeNpy([2, 3], new Float32Array(5)), (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'shape' && /holds 6 values, the data has 5/.test(e.message));
    assert.throws(() => encodeNpy([2, -3], new Float32Array(0)), InvalidParameterError);
  });

  it('reads integers, floats and booleans in either byte order', () => {
    const cases: [string, number, (v: DataView, o: number, x: number, le: boolean) => void, number[]][] = [
      ['f4', 4, (v, o, x, le) => v.setFloat32(o, x, le), [1.5, -0.25, 2 ** 60]],
      ['f8', 8, (v, o, x, le) => v.setFloat64(o, x, le), [Math.PI, -1e-300, 1e300]],
      ['i2', 2, (v, o, x, le) => v.setInt16(o, x, le), [-32768, -1, 32767]],
      ['u2', 2, (v, o, x, le) => v.setUint16(o, x, le), [0, 1, 65535]],
      ['i4', 4, (v, o, x, le) => v.setInt32(o, x, le), [-2147483648, 7, 2147483647]],
      ['u4', 4, (v, o, x, le) => v.setUint32(o, x, le), [0, 3, 4294967295]],
      ['i8', 8, (v, o, x, le) => v.setBigInt64(o, BigInt(x), le), [-(2 ** 53), -5, 2 ** 53]],
      ['u8', 8, (v, o, x, le) => v.setBigUint64(o, BigInt(x), le), [0, 9, 2 ** 53]],
    ];
    for (const [kind, size, write, values] of cases) {
      for (const [order, littleEndian] of [['<', true], ['>', false]] as const) {
        const { shape, data } = parseNpy(npyFile(dict(order + kind, `(${values.length},)`), body(values, size, write, littleEndian)));
        assert.deepEqual(shape, [values.length]);
        assert.deepEqual(Array.from(data), values, `${order}${kind}`);
      }
    }
    const bytes = Uint8Array.from([0, 1, 127, 128, 255]);
    assert.deepEqual(Array.from(parseNpy(npyFile(dict('|u1', '(5,)'), bytes)).data), [0, 1, 127, 128, 255]);
    assert.deepEqual(Array.from(parseNpy(npyFile(dict('|i1', '(5,)'), bytes)).data), [0, 1, 127, -128, -1]);
    assert.deepEqual(Array.from(parseNpy(npyFile(dict('|b1', '(5,)'), Uint8Array.from([0, 1, 0, 1, 1]))).data), [0, 1, 0, 1, 1]);
  });

  it('reorders a Fortran-ordered array into rows', () => {
    // Column-major [[1, 2, 3], [4, 5, 6]].
    const matrix = parseNpy(npyFile(dict('|u1', '(2, 3)', true), Uint8Array.from([1, 4, 2, 5, 3, 6])));
    assert.deepEqual([matrix.shape, Array.from(matrix.data)], [[2, 3], [1, 2, 3, 4, 5, 6]]);
    // Element (i, j, k) holds 100i + 10j + k; column-major puts i fastest.
    const shape = [2, 3, 2];
    const fortran: number[] = [];
    for (let k = 0; k < 2; k++) for (let j = 0; j < 3; j++) for (let i = 0; i < 2; i++) fortran.push(100 * i + 10 * j + k);
    const cube = parseNpy(npyFile(dict('<i2', '(2, 3, 2)', true), body(fortran, 2, (v, o, x, le) => v.setInt16(o, x, le), true)));
    const rowMajor: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 2; k++) rowMajor.push(100 * i + 10 * j + k);
    assert.deepEqual([cube.shape, Array.from(cube.data)], [shape, rowMajor]);
  });

  it('reads format versions 2.0 and 3.0', () => {
    for (const version of [2, 3]) {
      const { shape, data } = parseNpy(npyFile(dict('<f8', '(1, 2)'), body([0.5, -8], 8, (v, o, x, le) => v.setFloat64(o, x, le), true), version));
      assert.deepEqual([shape, Array.from(data)], [[1, 2], [0.5, -8]]);
    }
  });

  it('names an unsupported dtype and says what to use instead', () => {
    refusal(npyFile(dict('<c16', '(1,)'), new Uint8Array(16)), /^dtype '<c16' is not supported; use float32, float64 or an integer type$/);
    refusal(npyFile(dict('<U5', '(1,)'), new Uint8Array(20)), /dtype '<U5' is not supported/);
    refusal(npyFile(dict('|O', '(1,)'), new Uint8Array(8)), /dtype '\|O' is not supported/);
    refusal(npyFile("{'descr': [('x', '<f4'), ('y', '<f4')], 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)), /structured arrays/);
  });

  it('refuses files that are not .npy or of another version', () => {
    refusal(new TextEncoder().encode('x,y\n1,2\n'), /not a NumPy \.npy file/);
    refusal(Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 4, 0, 0, 0, 0, 0]), /version 4\.0 is not supported/);
  });

  it('refuses data shorter or longer than the shape, and a cut-off header', () => {
    const file = npyFile(dict('<f4', '(2, 2)'), new Uint8Array(16));
    refusal(file.subarray(0, file.length - 1), /truncated: shape \(2, 2\) of '<f4' needs 16 bytes of data, the file has 15/);
    refusal(npyFile(dict('<f4', '(2, 2)'), new Uint8Array(20)), /longer than its header says: shape \(2, 2\) of '<f4' needs 16 bytes of data, the file has 20/);
    refusal(file.subarray(0, 40), /header says it is 118 bytes long, but the file ends before that/);
    refusal(npyFile("{'descr': '<f4', 'fortran_order': False, }", new Uint8Array(4)), /no 'shape'/);
  });
});

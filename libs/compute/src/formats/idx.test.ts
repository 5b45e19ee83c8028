import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '../errors';
import { idxFile } from '../testing/idx-file';
import { parseIdx } from './idx';

const refusal = (bytes: Uint8Array, pattern: RegExp) =>
  assert.throws(() => parseIdx(bytes), (e: unknown) => {
    assert.ok(e instanceof InvalidInputError, `expected an InvalidInputError, got ${String(e)}`);
    assert.equal(e.code, 'IDX_FORMAT');
    assert.match(e.message, pattern);
    return true;
  });

describe('IDX files', () => {
  it('reads unsigned bytes with their dimensions, outermost first', () => {
    const { dims, data } = parseIdx(idxFile(0x08, [2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]));
    assert.deepEqual(dims, [2, 2, 3]);
    assert.deepEqual(Array.from(data), [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
  });

  it('reads every element type big-endian, with signs', () => {
    const cases: [number, number[]][] = [
      [0x09, [-128, -1, 0, 127]],
      [0x0b, [-32768, -2, 1, 32767]],
      [0x0c, [-2147483648, -3, 70000, 2147483647]],
      [0x0d, [-1.5, 0.25, 2 ** 100, -0]],
      [0x0e, [Math.PI, -1e-300, 1e300, 0.1]],
    ];
    for (const [type, values] of cases) {
      const { dims, data } = parseIdx(idxFile(type, [values.length], values));
      assert.deepEqual(dims, [values.length]);
      assert.deepEqual(Array.from(data), values, `type 0x${type.toString(16)}`);
    }
  });

  it('reads a gzip-compressed file as the plain one', () => {
    const values = Array.from({ length: 6 * 4 }, (_, i) => (i * 37) % 256);
    const plain = parseIdx(idxFile(0x08, [6, 2, 2], values));
    const packed = parseIdx(idxFile(0x08, [6, 2, 2], values, { gzip: true }));
    assert.deepEqual(packed, plain);
  });

  it('reads 70,000 images of 28 x 28 in well under a second', () => {
    const bytes = new Uint8Array(16 + 70_000 * 784);
    bytes.set([0, 0, 8, 3]);
    new DataView(bytes.buffer).setUint32(4, 70_000);
    new DataView(bytes.buffer).setUint32(8, 28);
    new DataView(bytes.buffer).setUint32(12, 28);
    bytes[16 + 784 * 1000 + 5] = 200;
    const started = performance.now();
    const { dims, data } = parseIdx(bytes);
    const ms = performance.now() - started;
    console.log(`70,000 x 28 x 28 unsigned bytes decoded in ${ms.toFixed(0)} ms`);
    assert.deepEqual(dims, [70_000, 28, 28]);
    assert.equal(data[784 * 1000 + 5], 200);
  });

  it('refuses a file that does not start with two zero bytes', () => {
    refusal(Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0, 0, 0, 0]), /does not start like an IDX file \(its first bytes are 93 4e 55 4d/);
  });

  it('refuses an unknown element type, listing the known ones', () => {
    refusal(Uint8Array.from([0, 0, 0x0a, 1, 0, 0, 0, 0]), /element type 0x0a is unknown; IDX defines 0x08 \(unsigned byte\)/);
  });

  it('refuses a file cut short in the header or in the data', () => {
    refusal(Uint8Array.from([0, 0]), /too few for the 4-byte IDX header/);
    refusal(Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 2]), /truncated: it has 8 bytes, but its header alone \(3 dimensions\) needs 16/);
    refusal(idxFile(0x0c, [3, 2], [1, 2, 3, 4, 5, 6]).subarray(0, 30), /truncated: 3 × 2 int32 values need a file of 36 bytes, this one has 30/);
  });

  it('refuses a file longer than its dimensions say', () => {
    const bytes = idxFile(0x08, [2, 3], [1, 2, 3, 4, 5, 6, 7]);
    new DataView(bytes.buffer).setUint32(4, 2);
    refusal(bytes, /longer than its header says: 2 × 3 unsigned byte values need a file of 18 bytes, this one has 19/);
  });

  it('refuses a file with no dimensions', () => {
    refusal(Uint8Array.from([0, 0, 8, 0, 7]), /declares 0 dimensions/);
  });

  it('refuses gzip data that does not decompress', () => {
    refusal(Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3]), /looks gzip-compressed but does not decompress/);
  });
});

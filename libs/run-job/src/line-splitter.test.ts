import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter } from './line-splitter';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('the output line splitter', () => {
  it('joins a line split across chunks and drops the \\r of a CRLF', () => {
    const s = new LineSplitter();
    assert.deepEqual(s.push(bytes('hel')), []);
    assert.deepEqual(s.push(bytes('lo\r\nwor')), ['hello']);
    assert.deepEqual(s.push(bytes('ld\n\n')), ['world', '']);
    assert.deepEqual(s.end(), []);
  });

  it('gives the last line without a newline at the end', () => {
    const s = new LineSplitter();
    s.push(bytes('a\nb'));
    assert.deepEqual(s.end(), ['b']);
  });

  it('replaces invalid UTF-8 and escapes control characters, keeping a multi-byte character split across chunks', () => {
    const s = new LineSplitter();
    const euro = bytes('€');
    assert.deepEqual(s.push(euro.subarray(0, 1)), []);
    assert.deepEqual(s.push(Uint8Array.from([...euro.subarray(1), 0xff, 0x1b, 0x09, 0x0a])), ['€\uFFFD\\x1b\t']);
  });

  it('cuts a 1 MB line to the line limit with a marker and goes on with the next line', () => {
    const s = new LineSplitter(1024);
    const lines = [...s.push(new Uint8Array(1_000_000).fill(0x61)), ...s.push(bytes('\nnext\n'))];
    assert.equal(lines.length, 2);
    assert.match(lines[0], /^a{1024} … \[line cut: longer than 1024 bytes\]$/);
    assert.equal(lines[1], 'next');
  });
});

import { createHash } from 'node:crypto';

/** An IDX file (MNIST's format) of unsigned bytes: the magic, the dimensions, the values. */
export function idxBytes(dims: number[], values: ArrayLike<number>): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(Uint8Array.from(values))]);
}

/** A labelled CSV: a header, then `rows` rows of `cols` numbers and a class name. */
export function labelledCsv(rows: number, cols: number, classes: string[], labelHeader = 'species'): string {
  const header = [...Array.from({ length: cols }, (_, j) => `f${j + 1}`), labelHeader].join(',');
  const lines = Array.from({ length: rows }, (_, i) => {
    const cls = i % classes.length;
    return [...Array.from({ length: cols }, (_, j) => (cls * 2 + Math.sin(i * 7 + j * 13)).toFixed(4)), classes[cls]].join(',');
  });
  return `${header}\n${lines.join('\n')}\n`;
}

/** A CSV of random numbers with about `bytes` bytes. */
export function numericCsv(bytes: number, cols = 8): string {
  const line = (i: number) => Array.from({ length: cols }, (_, j) => ((i * 31 + j * 17) % 1000) / 10).join(',');
  const out: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const l = line(i);
    out.push(l);
    size += l.length + 1;
  }
  return `${out.join('\n')}\n`;
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

import { InvalidInputError } from '../errors';
import { checkIdxLength, idxElementSize, idxHeader, type IdxTypeCode } from './idx';
import { checkNpyPreamble, npyDataOffset, npyElementType, NPY_PREAMBLE_BYTES, readNpyHeader, toRowMajor } from './npy';

/** NumPy writes headers of a few hundred bytes; one larger than this is not read into memory. */
const MAX_NPY_HEADER_BYTES = 1 << 20;

interface Layout {
  dims: number[];
  count: number;
  size: number;
  /** Converts `n` elements starting at byte `at` of `bytes` into `out` from `into` on. */
  convert(bytes: Uint8Array, at: number, n: number, out: Float64Array, into: number): void;
  fortranOrder: boolean;
  /** Describes the tensor in a length error, as the whole-file readers do. */
  lengthError(receivedElementBytes: number): InvalidInputError;
}

/**
 * Reads an NPY or IDX tensor pushed chunk by chunk (an upload's stored chunks, or an IDX file
 * as it is decompressed) into one Float64Array: the header is buffered until it is complete,
 * then each element is converted into the array as its bytes arrive, so the file itself is
 * never held. The array is made at the first push after the header (or at `end`), not when
 * the header is read: the caller checks `dims` against its free space in between.
 *
 * `fileLength`, when known, lets the header be checked against it at once, as the whole-file
 * readers do; a compressed file's length is only known at `end`.
 */
export class TensorStreamReader {
  private head: Uint8Array = new Uint8Array(0);
  private layout?: Layout;
  /** Element bytes that came with the header's last chunk, converted once the array is made. */
  private pending?: Uint8Array;
  private data?: Float64Array;
  private filled = 0;
  private carry: Uint8Array = new Uint8Array(0);
  private elementBytes = 0;

  constructor(
    private readonly format: 'npy' | 'idx',
    private readonly fileLength?: number,
  ) {}

  /** The tensor's dimensions, outermost first, once its header has been read. */
  get dims(): number[] | undefined {
    return this.layout?.dims;
  }

  push(chunk: Uint8Array): void {
    if (this.layout) {
      this.flushPending();
      this.elements(chunk);
      return;
    }
    this.head = this.head.length === 0 ? chunk.slice() : concat(this.head, chunk);
    const offset = this.headerEnd();
    if (offset === undefined || this.head.length < offset) return;
    this.layout = this.readHeader(this.head.subarray(0, offset));
    this.pending = this.head.subarray(offset);
    this.head = new Uint8Array(0);
  }

  end(): { dims: number[]; data: Float64Array } {
    if (!this.layout) {
      // Never complete: the whole-file reader says what is wrong with what there is.
      this.readHeader(this.head);
      throw formatError(this.format, 'the file is truncated inside its header');
    }
    this.flushPending();
    const layout = this.layout;
    const data = (this.data ??= new Float64Array(layout.count));
    if (this.carry.length > 0 || this.filled !== layout.count) throw layout.lengthError(this.elementBytes);
    return { dims: layout.dims, data: layout.fortranOrder && layout.dims.length > 1 ? toRowMajor(data, layout.dims) : data };
  }

  /** Where the elements start, once enough of the header is here to know; the preamble checked first. */
  private headerEnd(): number | undefined {
    const head = this.head;
    if (this.format === 'idx') return head.length >= 4 ? 4 + 4 * head[3] : undefined;
    if (head.length < NPY_PREAMBLE_BYTES && head.length < (this.fileLength ?? Infinity)) return undefined;
    checkNpyPreamble(head);
    const offset = npyDataOffset(head);
    if (offset !== undefined && offset > MAX_NPY_HEADER_BYTES) {
      throw formatError('npy', `its header says it is ${offset} bytes long; NumPy writes headers of a few hundred bytes, at most ${MAX_NPY_HEADER_BYTES} are read`);
    }
    return offset;
  }

  private readHeader(header: Uint8Array): Layout {
    const fileLength = this.fileLength;
    if (this.format === 'idx') {
      const { type, dims, offset, count } = idxHeader(header, fileLength);
      const size = idxElementSize(type);
      return {
        dims,
        count,
        size,
        convert: idxConverter(type),
        fortranOrder: false,
        lengthError: (received) => {
          checkIdxLength(type, dims, offset, offset + received);
          return formatError('idx', `the file does not hold ${count} whole elements`);
        },
      };
    }
    const { descr, fortranOrder, shape, dataOffset, count } = readNpyHeader(header, fileLength ?? null);
    const type = npyElementType(descr);
    const described = `shape (${shape.join(', ')}) of '${descr}'`;
    return {
      dims: shape,
      count,
      size: type.size,
      convert: (bytes, at, n, out, into) => {
        if (type.size === 1 && descr.endsWith('u1')) out.set(bytes.subarray(at, at + n), into);
        else {
          const view = new DataView(bytes.buffer, bytes.byteOffset + at, n * type.size);
          for (let i = 0; i < n; i++) out[into + i] = type.read(view, i * type.size, type.littleEndian);
        }
      },
      fortranOrder,
      lengthError: (received) => {
        const needed = count * type.size;
        const size = dataOffset + received;
        return formatError('npy', received < needed ? `the file is truncated: ${described} needs ${needed} bytes of data, the file has ${size - dataOffset}` : `the file is longer than its header says: ${described} needs ${needed} bytes of data, the file has ${size - dataOffset}`);
      },
    };
  }

  private flushPending(): void {
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    this.elements(pending);
  }

  private elements(chunk: Uint8Array): void {
    const layout = this.layout as Layout;
    this.elementBytes += chunk.length;
    const data = (this.data ??= new Float64Array(layout.count));
    const bytes = this.carry.length > 0 ? concat(this.carry, chunk) : chunk;
    const n = Math.floor(bytes.length / layout.size);
    if (this.filled + n > layout.count) throw layout.lengthError(this.elementBytes);
    if (n > 0) layout.convert(bytes, 0, n, data, this.filled);
    this.filled += n;
    // At most one element's bytes wait for the next chunk.
    this.carry = bytes.slice(n * layout.size);
  }
}

function idxConverter(type: IdxTypeCode): Layout['convert'] {
  return (bytes, at, n, out, into) => {
    if (type === 0x08) out.set(bytes.subarray(at, at + n), into);
    else if (type === 0x09) out.set(new Int8Array(bytes.buffer, bytes.byteOffset + at, n), into);
    else convertWide(type, bytes, at, n, out, into);
  };
}

function convertWide(type: IdxTypeCode, bytes: Uint8Array, at: number, n: number, out: Float64Array, into: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, n * idxElementSize(type));
  // IDX is big-endian.
  if (type === 0x0b) for (let i = 0; i < n; i++) out[into + i] = view.getInt16(2 * i);
  else if (type === 0x0c) for (let i = 0; i < n; i++) out[into + i] = view.getInt32(4 * i);
  else if (type === 0x0d) for (let i = 0; i < n; i++) out[into + i] = view.getFloat32(4 * i);
  else for (let i = 0; i < n; i++) out[into + i] = view.getFloat64(8 * i);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function formatError(format: 'npy' | 'idx', message: string): InvalidInputError {
  return new InvalidInputError(format === 'npy' ? 'NPY_FORMAT' : 'IDX_FORMAT', message);
}

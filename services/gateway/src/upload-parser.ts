import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { artifactKindOf, type CodeSummary, type DataFormatName, encodedMatrixBytes, ErrorCodes, type ModelBundle, type ModelSummary, type UploadFileName, type UploadRecord } from '@gpulab/contracts';
import { CodeArchiveError, inspectArchive } from '@gpulab/code-archive';
import {
  ComputeError,
  CsvLineCounter,
  CsvMatrixReader,
  csvShape,
  decodeImagePixels,
  InvalidInputError,
  type Labels,
  labelsFromValues,
  type Matrix,
  parseIdx,
  parseNpy,
  type Tensor,
  TensorStreamReader,
  tensorToMatrix,
} from '@gpulab/compute';
import { readUploadedModel } from '@gpulab/neural';
import { GatewayError } from './errors';

/** What an upload holds once read: a data set, a picture or a model. */
export type ParsedUpload =
  | { kind: 'dataset'; matrix: Matrix; labels?: Labels; itemShape?: number[] }
  | { kind: 'image'; bytes: Uint8Array; width: number; height: number; channels: number }
  | { kind: 'model'; bundle: ModelBundle; summary: ModelSummary }
  | { kind: 'code'; bytes: Uint8Array; summary: CodeSummary };

/** An upload's stored files as a parser reads them; each read checks the declared SHA-256. */
export interface UploadSource {
  upload: UploadRecord;
  /** A file's bytes, all at once. */
  read(file: UploadFileName): Promise<Buffer>;
  /** A first pass over a file, chunk by chunk; rejects at the end when the checksum differs. */
  scan(file: UploadFileName, each: (chunk: Uint8Array) => void): Promise<void>;
  /** The file's chunks again, after `scan` checked them. */
  chunks(file: UploadFileName): AsyncIterable<Uint8Array>;
  /** The data's rows, once a first pass counted them: shown as progress. */
  counted(rows: number): void;
  /** Refuses the upload (RESOURCE_EXHAUSTED) when `bytes` more do not fit the team's free space. */
  ensureRoom(bytes: number, takes: string): Promise<void>;
}

/** Reads an upload; throws the compute lib's errors for the caller's mistakes. */
export type UploadParser = (source: UploadSource) => Promise<ParsedUpload>;

/**
 * A data set is parsed with `@gpulab/compute`: a CSV (its label column taken out as labels), or
 * an NPY/IDX tensor flattened to one row per first-dimension entry, with labels from a second
 * file. Non-finite numbers are refused here as the CSV reader refuses them, so every artifact
 * can be used by every job kind. A picture is decoded once to check it and learn its size, and
 * kept as uploaded; a model is loaded as a job would load it.
 *
 * A data set's matrix size (rows × columns × 8 bytes) is checked against the team's free space
 * before the matrix is made: a CSV's from a first pass that counts its lines, an NPY's or IDX's
 * from its header. Either is then read chunk by chunk straight into the matrix, so the gateway
 * holds the matrix and a chunk, never the file.
 */
export const parseUpload: UploadParser = async (source) => {
  const { upload } = source;
  const kind = artifactKindOf(upload.data.format);
  if (upload.data.format === 'csv') return withLabels(source, await parseCsvUpload(source));
  if (kind === 'dataset') return withLabels(source, await parseTensorUpload(source));
  const data = await source.read('data');
  if (kind === 'image') {
    const image = await naming(upload.data.filename, () => decodeImagePixels(data));
    return { kind, bytes: data, width: image.width, height: image.height, channels: image.channels };
  }
  if (kind === 'model') {
    if (!upload.weights) throw new GatewayError(ErrorCodes.invalidArgument, `${upload.data.filename}: a model upload needs its weights file`);
    const weights = await source.read('weights');
    const { bundle, summary } = await naming(upload.data.filename, () => readUploadedModel(data, weights));
    return { kind, bundle, summary };
  }
  if (kind === 'code') return { kind, bytes: data, summary: await codeSummary(upload.data.filename, data) };
  throw new GatewayError(ErrorCodes.invalidArgument, `${upload.data.filename}: format ${upload.data.format} is not one gpulab reads`);
};

/**
 * A code archive is kept as uploaded once every entry is known to stay inside the directory it
 * will be unpacked into; the worker checks again when it unpacks it.
 */
async function codeSummary(filename: string, data: Buffer): Promise<CodeSummary> {
  try {
    const { files, unpackedBytes } = await inspectArchive(data);
    return { files, unpackedBytes };
  } catch (error) {
    if (error instanceof CodeArchiveError) {
      throw new GatewayError(ErrorCodes.invalidArgument, `${filename}: ${error.message}. The upload was deleted; fix the archive and upload it again`, { cause: error });
    }
    throw error;
  }
}

/**
 * Two passes, as for a CSV: the first checks the checksum and keeps nothing; the second pushes
 * each chunk (an IDX file's decompressed as it is read) into a TensorStreamReader, whose header
 * is checked against the free space before its matrix is made. The gateway holds the matrix
 * and a chunk, never the file.
 */
async function parseTensorUpload(source: UploadSource): Promise<Extract<ParsedUpload, { kind: 'dataset' }>> {
  const { upload } = source;
  const format = upload.data.format === 'npy' ? 'npy' : 'idx';
  await naming(upload.data.filename, () => source.scan('data', () => undefined));
  return naming(upload.data.filename, async () => {
    const { chunks, compressed } = await decompressed(format, source.chunks('data'));
    const reader = new TensorStreamReader(format, compressed ? undefined : upload.data.sizeBytes);
    let checked = false;
    for await (const chunk of chunks) {
      reader.push(chunk);
      if (!checked && reader.dims) {
        checked = true;
        const dims = reader.dims;
        const cols = dims.slice(1).reduce((a, b) => a * b, 1);
        await source.ensureRoom(encodedMatrixBytes(dims[0] ?? 0, cols, upload.labels !== undefined), `${dims[0] ?? 0} × ${cols} numbers of 8 bytes`);
      }
    }
    const tensor = reader.end();
    const matrix = checkShape(checkFinite(tensorToMatrix(tensor))).matrix;
    return { kind: 'dataset', matrix, ...(tensor.dims.length >= 3 ? { itemShape: tensor.dims.slice(1) } : {}) };
  });
}

/** An IDX file's chunks decompressed as they are read when it is gzip-compressed (as MNIST ships); others as they are. */
async function decompressed(format: 'npy' | 'idx', chunks: AsyncIterable<Uint8Array>): Promise<{ chunks: AsyncIterable<Uint8Array>; compressed: boolean }> {
  const iterator = chunks[Symbol.asyncIterator]();
  const first = await iterator.next();
  async function* all(): AsyncGenerator<Uint8Array> {
    if (!first.done) yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  const head = first.done ? undefined : first.value;
  const compressed = format === 'idx' && head !== undefined && head[0] === 0x1f && head[1] === 0x8b;
  if (!compressed) return { chunks: all(), compressed };
  async function* gunzipped(): AsyncGenerator<Uint8Array> {
    // pipe() passes backpressure on: the store is read only as fast as the reader takes the output.
    const gunzip = Readable.from(all()).pipe(createGunzip());
    try {
      for await (const piece of gunzip) yield piece as Buffer;
    } catch (cause) {
      throw new InvalidInputError('IDX_FORMAT', `the file looks gzip-compressed but does not decompress (${(cause as Error).message})`, { cause });
    }
  }
  return { chunks: gunzipped(), compressed };
}

/** Two passes: one counts lines (and checks the checksum), then the matrix is filled chunk by chunk. */
async function parseCsvUpload(source: UploadSource): Promise<Extract<ParsedUpload, { kind: 'dataset' }>> {
  const { upload } = source;
  const options = { labelColumn: upload.labelColumn };
  const counter = new CsvLineCounter();
  await naming(upload.data.filename, () => source.scan('data', (chunk) => counter.push(chunk)));
  const { lines, firstLine } = counter.end();
  const shape = await naming(upload.data.filename, () => csvShape(firstLine, lines, options));
  source.counted(shape.rows);
  await source.ensureRoom(encodedMatrixBytes(shape.rows, shape.cols, upload.labelColumn !== undefined), `up to ${shape.rows} × ${shape.cols} numbers of 8 bytes`);
  return naming(upload.data.filename, async () => {
    const reader = new CsvMatrixReader({ ...options, expectedRows: lines });
    const decoder = new TextDecoder('utf-8');
    for await (const chunk of source.chunks('data')) reader.push(decoder.decode(chunk, { stream: true }));
    reader.push(decoder.decode());
    const read = reader.end();
    return { kind: 'dataset', ...checkShape(read.matrix), labels: read.labels };
  });
}

/** A data set's labels from its second file, one per row. */
async function withLabels(source: UploadSource, parsed: Extract<ParsedUpload, { kind: 'dataset' }>): Promise<ParsedUpload> {
  const { upload } = source;
  if (upload.labels) {
    const spec = upload.labels;
    const labels = await source.read('labels');
    parsed.labels = await naming(spec.filename, () => readLabels(spec.format, labels));
    if (parsed.labels.codes.length !== parsed.matrix.rows) {
      throw new GatewayError(
        ErrorCodes.invalidArgument,
        `${spec.filename} has ${parsed.labels.codes.length} labels, but ${upload.data.filename} has ${parsed.matrix.rows} rows; there must be one label per row. The upload was deleted`,
      );
    }
  }
  return parsed;
}

function readTensor(format: DataFormatName, bytes: Buffer): Tensor {
  return format === 'npy' ? parseNpy(bytes) : parseIdx(bytes);
}

function checkShape(matrix: Matrix): { matrix: Matrix } {
  if (matrix.rows === 0 || matrix.cols === 0) {
    throw new InvalidInputError('MATRIX_SHAPE', `the data has ${matrix.rows} rows and ${matrix.cols} columns; a data set needs at least one of each`);
  }
  return { matrix };
}

/** The compute lib's errors are the student's to fix: INVALID_ARGUMENT, naming the file. */
async function naming<T>(filename: string, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ComputeError) {
      throw new GatewayError(ErrorCodes.invalidArgument, `${filename}: ${error.message}. The upload was deleted; fix the file and upload it again`, { cause: error });
    }
    throw error;
  }
}

/** A labels file: a vector (or n × 1) in NPY or IDX, or a CSV with one label per line. */
function readLabels(format: DataFormatName, bytes: Buffer): Labels {
  if (format === 'csv') return csvLabels(csvText(bytes));
  const matrix = tensorToMatrix(readTensor(format, bytes));
  if (matrix.cols !== 1) {
    throw new InvalidInputError('LABELS_NOT_CATEGORICAL', `the labels have ${matrix.cols} values per row; a labels file holds one per row (a vector)`);
  }
  return labelsFromValues(Array.from(matrix.data), 'the file');
}

/**
 * One label per non-blank line, a header line allowed: the first line is taken as the header
 * when it is not a number and every other line is.
 */
function csvLabels(text: string): Labels {
  const values: string[] = [];
  const lines: number[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    if (/[,;\t]/.test(line)) {
      throw new InvalidInputError('LABELS_NOT_CATEGORICAL', `row ${i + 1} has more than one column; a labels file holds one label per line`, { row: i + 1 });
    }
    values.push(unquote(line));
    lines.push(i + 1);
  });
  if (values.length === 0) throw new InvalidInputError('LABELS_MISSING', 'the labels file is empty');
  const isNumber = (v: string) => v !== '' && Number.isFinite(Number(v));
  if (!isNumber(values[0]) && values.length > 1 && values.slice(1).every(isNumber)) {
    values.shift();
    lines.shift();
  }
  return labelsFromValues(values, 'the file', { rowNumbers: lines });
}

function checkFinite(matrix: Matrix): Matrix {
  const { data, cols } = matrix;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const row = Math.floor(i / cols) + 1;
      const column = (i % cols) + 1;
      throw new InvalidInputError('DATA_NOT_FINITE', `row ${row}, column ${column} is ${data[i]}; fill in or remove missing and infinite values`, { row, column });
    }
  }
  return matrix;
}

/** A byte-order mark would otherwise become part of the first cell. */
function csvText(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function unquote(t: string): string {
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).trim() : t;
}

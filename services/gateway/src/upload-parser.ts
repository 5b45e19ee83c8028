import { artifactKindOf, type DataFormatName, ErrorCodes, type ModelBundle, type ModelSummary, type UploadRecord } from '@gpulab/contracts';
import {
  ComputeError,
  decodeImagePixels,
  InvalidInputError,
  type Labels,
  labelsFromValues,
  type Matrix,
  parseCsvMatrix,
  parseIdx,
  parseNpy,
  type Tensor,
  tensorToMatrix,
} from '@gpulab/compute';
import { readUploadedModel } from '@gpulab/neural';
import { GatewayError } from './errors';

/** What an upload holds once read: a data set, a picture or a model. */
export type ParsedUpload =
  | { kind: 'dataset'; matrix: Matrix; labels?: Labels; itemShape?: number[] }
  | { kind: 'image'; bytes: Uint8Array; width: number; height: number; channels: number }
  | { kind: 'model'; bundle: ModelBundle; summary: ModelSummary };

export interface UploadBytes {
  upload: UploadRecord;
  data: Buffer;
  labels?: Buffer;
  weights?: Buffer;
}

/** Reads an upload's verified bytes; throws the compute lib's errors for the caller's mistakes. */
export type UploadParser = (bytes: UploadBytes) => Promise<ParsedUpload>;

/**
 * A data set is parsed with `@gpulab/compute`: a CSV (its label column taken out as labels), or
 * an NPY/IDX tensor flattened to one row per first-dimension entry, with labels from a second
 * file. Non-finite numbers are refused here as the CSV reader refuses them, so every artifact
 * can be used by every job kind. A picture is decoded once to check it and learn its size, and
 * kept as uploaded; a model is loaded as a job would load it.
 */
export const parseUpload: UploadParser = async ({ upload, data, labels, weights }) => {
  const kind = artifactKindOf(upload.data.format);
  if (kind === 'image') {
    const image = await naming(upload.data.filename, () => decodeImagePixels(data));
    return { kind, bytes: data, width: image.width, height: image.height, channels: image.channels };
  }
  if (kind === 'model') {
    if (!weights) throw new GatewayError(ErrorCodes.invalidArgument, `${upload.data.filename}: a model upload needs its weights file`);
    const { bundle, summary } = await naming(upload.data.filename, () => readUploadedModel(data, weights));
    return { kind, bundle, summary };
  }
  const parsed = await naming(upload.data.filename, (): Extract<ParsedUpload, { kind: 'dataset' }> => {
    if (upload.data.format === 'csv') {
      const read = parseCsvMatrix(csvText(data), { labelColumn: upload.labelColumn });
      return { kind: 'dataset', ...checkShape(read.matrix), labels: read.labels };
    }
    const tensor = readTensor(upload.data.format, data);
    const matrix = checkShape(checkFinite(tensorToMatrix(tensor))).matrix;
    const dims = 'dims' in tensor ? tensor.dims : tensor.shape;
    return { kind: 'dataset', matrix, ...(dims.length >= 3 ? { itemShape: dims.slice(1) } : {}) };
  });
  if (labels && upload.labels) {
    const spec = upload.labels;
    parsed.labels = await naming(spec.filename, () => readLabels(spec.format, labels));
    if (parsed.labels.codes.length !== parsed.matrix.rows) {
      throw new GatewayError(
        ErrorCodes.invalidArgument,
        `${spec.filename} has ${parsed.labels.codes.length} labels, but ${upload.data.filename} has ${parsed.matrix.rows} rows; there must be one label per row. The upload was deleted`,
      );
    }
  }
  return parsed;
};

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

import { type DataFormatName, ErrorCodes, type UploadRecord } from '@gpulab/contracts';
import { ComputeError, InvalidInputError, type Labels, labelsFromValues, type Matrix, parseCsvMatrix, parseIdx, parseNpy, tensorToMatrix } from '@gpulab/compute';
import { GatewayError } from './errors';

export interface ParsedUpload {
  matrix: Matrix;
  labels?: Labels;
}

export interface UploadBytes {
  upload: UploadRecord;
  data: Buffer;
  labels?: Buffer;
}

/** Turns an upload's verified bytes into a matrix and labels; throws the compute lib's errors. */
export type UploadParser = (bytes: UploadBytes) => ParsedUpload;

/**
 * Parses with `@gpulab/compute`: a CSV (its label column taken out as labels), or an NPY/IDX
 * tensor flattened to one row per first-dimension entry, with labels from a second file.
 * Non-finite numbers are refused here as the CSV reader refuses them, so every artifact can be
 * used by every job kind.
 */
export const parseUpload: UploadParser = ({ upload, data, labels }) => {
  const parsed = naming(upload.data.filename, (): ParsedUpload => {
    const read: ParsedUpload =
      upload.data.format === 'csv'
        ? parseCsvMatrix(csvText(data), { labelColumn: upload.labelColumn })
        : { matrix: checkFinite(tensorToMatrix(readTensor(upload.data.format, data))) };
    if (read.matrix.rows === 0 || read.matrix.cols === 0) {
      throw new InvalidInputError('MATRIX_SHAPE', `the data has ${read.matrix.rows} rows and ${read.matrix.cols} columns; a data set needs at least one of each`);
    }
    return { matrix: read.matrix, labels: read.labels };
  });
  if (labels && upload.labels) {
    const spec = upload.labels;
    parsed.labels = naming(spec.filename, () => readLabels(spec.format, labels));
    if (parsed.labels.codes.length !== parsed.matrix.rows) {
      throw new GatewayError(
        ErrorCodes.invalidArgument,
        `${spec.filename} has ${parsed.labels.codes.length} labels, but ${upload.data.filename} has ${parsed.matrix.rows} rows; there must be one label per row. The upload was deleted`,
      );
    }
  }
  return parsed;
};

function readTensor(format: Exclude<DataFormatName, 'csv'>, bytes: Buffer) {
  return format === 'npy' ? parseNpy(bytes) : parseIdx(bytes);
}

/** The compute lib's errors are the student's to fix: INVALID_ARGUMENT, naming the file. */
function naming<T>(filename: string, work: () => T): T {
  try {
    return work();
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

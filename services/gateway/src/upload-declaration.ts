import {
  artifactKindOf,
  DATA_FORMATS,
  type DataFormatName,
  DataFormats,
  LABELS_FORMATS,
  quoteInput,
  type UploadFileName,
  uploadFiles,
  type UploadFileRecord,
  UPLOAD_ID_PATTERN,
  type UploadRecord,
} from '@gpulab/contracts';
import { invalid } from './errors';
import { mb } from './byte-sizes';

/** Declared file of a new upload, as the caller sent it. */
export interface UploadFileRequest {
  filename: string;
  format: DataFormatName | undefined;
  sizeBytes: number;
  sha256: string;
}

export interface NewUploadRequest {
  data: UploadFileRequest | undefined;
  labels: UploadFileRequest | undefined;
  weights?: UploadFileRequest | undefined;
  labelColumn: string;
}

/** The files and label column of a CreateUpload that passed the rules, as its record keeps them. */
export type UploadDeclaration = Pick<UploadRecord, 'data' | 'labels' | 'weights' | 'labelColumn'>;

/**
 * A CSV is read chunk by chunk, but NPY, IDX, pictures and models are read whole, and a binary
 * file of this size plus its matrix is what one upload may hold of the gateway's memory.
 */
export const MAX_UPLOAD_FILE_BYTES = 512 * 1024 * 1024 - 1024;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * What a CreateUpload may declare: each file's name, format, size and checksum, and which files
 * go together (a CSV's labels in a column, other data's in a labels file, a model with its
 * weights). Pure: INVALID_ARGUMENT naming the file, before anything is stored.
 */
export function declareUpload(request: NewUploadRequest): UploadDeclaration {
  const data = checkFile(request.data, 'data');
  const labels = request.labels ? checkFile(request.labels, 'labels') : undefined;
  // A model's weights have one format; a client that leaves it out means that one.
  const weights = request.weights ? checkFile({ ...request.weights, format: request.weights.format ?? DataFormats.tfjsWeights }, 'weights') : undefined;
  const labelColumn = request.labelColumn.trim() || undefined;
  const kind = artifactKindOf(data.format);
  if (!kind) {
    throw invalid(`${data.filename}: ${data.format} is the format of a model's weights file; upload the model's model.json (format tfjs-model) with this file as its weights`);
  }
  if (labelColumn !== undefined && data.format !== 'csv') {
    throw invalid(`${data.filename}: a label column is for CSV files; ${data.format} data takes its labels in a second file (labels)`);
  }
  if (labels && data.format === 'csv') {
    throw invalid(`${data.filename}: a CSV keeps its labels in one of its columns; name it with label_column instead of sending a labels file`);
  }
  if (labels && kind !== 'dataset') throw invalid(`${data.filename}: a ${kind === 'image' ? 'picture' : kind === 'code' ? 'code archive' : 'model'} takes no labels file`);
  if (labels && !LABELS_FORMATS.includes(labels.format)) throw invalid(`${labels.filename}: a labels file is ${LABELS_FORMATS.join(', ')}, not ${labels.format}`);
  if (kind === 'model' && !weights) throw invalid(`${data.filename}: a model needs its weights file too (the files model.json's weightsManifest lists, one after the other)`);
  if (weights && kind !== 'model') throw invalid(`${data.filename}: only a model (model.json, format tfjs-model) comes with a weights file`);
  if (weights && weights.format !== DataFormats.tfjsWeights) throw invalid(`${weights.filename}: a model's weights file has the format tfjs-weights, not ${weights.format}`);
  if (labelColumn !== undefined && labelColumn.length > 200) throw invalid('label_column is longer than 200 characters');
  return { data, labels, weights, labelColumn };
}

/** The upload id a request names, trimmed; INVALID_ARGUMENT when it is not one. */
export function checkUploadId(raw: string): string {
  const id = raw.trim();
  if (!id) throw invalid('the upload id is missing');
  if (!UPLOAD_ID_PATTERN.test(id)) throw invalid(`${quoteInput(raw)} is not an upload id (they look like up-…, 16 letters and digits)`);
  return id;
}

/** The random part of an upload id names the artifact made from it. */
export function artifactIdOf(uploadId: string): string {
  return `art-${uploadId.slice('up-'.length)}`;
}

/** One of an upload's declared files, undefined when it was not declared. */
export function fileOf(upload: UploadRecord, file: UploadFileName): UploadFileRecord | undefined {
  return uploadFiles(upload).find(([name]) => name === file)?.[1];
}

/** The bytes an upload in progress holds of its team's storage: its files' declared sizes. */
export function declaredBytes(upload: UploadRecord): number {
  return uploadFiles(upload).reduce((sum, [, spec]) => sum + spec.sizeBytes, 0);
}

/** "points.npy and labels.npy": an upload's files as a message names them. */
export function describeFiles(upload: UploadRecord): string {
  return uploadFiles(upload).map(([, spec]) => spec.filename).join(' and ');
}

function checkFile(spec: UploadFileRequest | undefined, which: UploadFileName): UploadFileRecord {
  if (!spec) throw invalid(`the ${which} file is missing: give its filename, format, size_bytes and sha256`);
  const filename = spec.filename.trim();
  if (!filename) throw invalid(`the ${which} file has no filename`);
  if (/[/\\]/.test(filename) || hasControlCharacter(filename) || filename === '.' || filename === '..' || filename.length > 255) {
    throw invalid(`${quoteInput(spec.filename)} is not a file name: no directories, at most 255 characters`);
  }
  if (!spec.format) throw invalid(`${filename}: the format is missing; one of ${DATA_FORMATS.join(', ')}`);
  if (!Number.isSafeInteger(spec.sizeBytes) || spec.sizeBytes <= 0) throw invalid(`${filename} is empty (0 bytes); there is nothing to upload`);
  if (spec.sizeBytes > MAX_UPLOAD_FILE_BYTES) {
    throw invalid(`${filename} has ${mb(spec.sizeBytes)}; one file may have at most ${mb(MAX_UPLOAD_FILE_BYTES)}`);
  }
  const sha256 = spec.sha256.trim().toLowerCase();
  if (!SHA256_HEX.test(sha256)) throw invalid(`${filename}: sha256 must be the file's SHA-256 as 64 hex digits, not ${quoteInput(spec.sha256)}`);
  return { filename, format: spec.format, sizeBytes: spec.sizeBytes, sha256, receivedBytes: 0 };
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 32 || text.charCodeAt(i) === 127) return true;
  return false;
}

import { createHash } from 'node:crypto';

/** The file formats an upload may have. */
export const DataFormats = {
  csv: 'csv',
  npy: 'npy',
  idx: 'idx',
  png: 'png',
  jpeg: 'jpeg',
  /** A TensorFlow.js layers model's model.json. */
  tfjsModel: 'tfjs-model',
  /** Its weights: the manifest's files one after the other. */
  tfjsWeights: 'tfjs-weights',
  /** A `run` job's code: a gzip-compressed tar archive of a directory (`@gpulab/code-archive`). */
  tarGz: 'tar-gz',
} as const;
export type DataFormatName = (typeof DataFormats)[keyof typeof DataFormats];
export const DATA_FORMATS: readonly DataFormatName[] = Object.values(DataFormats);

/** What an artifact holds, decided by its data file's format. */
export const ArtifactKinds = { dataset: 'dataset', image: 'image', model: 'model', code: 'code' } as const;
export type ArtifactKindName = (typeof ArtifactKinds)[keyof typeof ArtifactKinds];

/** The formats of each kind's data file, and of the files that may come with it. */
export const ARTIFACT_FORMATS: Record<ArtifactKindName, readonly DataFormatName[]> = {
  dataset: [DataFormats.csv, DataFormats.npy, DataFormats.idx],
  image: [DataFormats.png, DataFormats.jpeg],
  model: [DataFormats.tfjsModel],
  code: [DataFormats.tarGz],
};
export const LABELS_FORMATS: readonly DataFormatName[] = [DataFormats.csv, DataFormats.npy, DataFormats.idx];

export function artifactKindOf(format: DataFormatName): ArtifactKindName | undefined {
  return (Object.keys(ARTIFACT_FORMATS) as ArtifactKindName[]).find((kind) => ARTIFACT_FORMATS[kind].includes(format));
}

/**
 * The files of an upload: the data, and a second file that depends on it: a data set's labels
 * in a file of their own, or a model's weights. An upload has at most one of the two.
 */
export const UploadFiles = { data: 'data', labels: 'labels', weights: 'weights' } as const;
export type UploadFileName = (typeof UploadFiles)[keyof typeof UploadFiles];

/** The files an upload declared, data first. */
export function uploadFiles(upload: Pick<UploadRecord, 'data' | 'labels' | 'weights'>): [UploadFileName, UploadFileRecord][] {
  const out: [UploadFileName, UploadFileRecord][] = [[UploadFiles.data, upload.data]];
  if (upload.labels) out.push([UploadFiles.labels, upload.labels]);
  if (upload.weights) out.push([UploadFiles.weights, upload.weights]);
  return out;
}

/** What the gateway read from a code archive when its upload was finished. */
export interface CodeSummary {
  files: number;
  /** The files' sizes added up: what unpacking it writes. */
  unpackedBytes: number;
}

/** What the gateway read from a model when its upload was finished. */
export interface ModelSummary {
  /** One input image: [height, width, channels]. */
  inputShape: number[];
  /** Outputs of the last layer. */
  classes: number;
  layers: string[];
  parameters: number;
}

/**
 * Artifact and upload ids: a prefix and 16 base32 letters (80 random bits). An artifact takes
 * the random part of the upload it came from, so finishing the same upload twice cannot create
 * two artifacts.
 */
export const ARTIFACT_ID_PATTERN = /^art-[a-z2-7]{16}$/;
export const UPLOAD_ID_PATTERN = /^up-[a-z2-7]{16}$/;

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** The first 80 bits of `bytes` as 16 lower-case base32 letters: the random part of an id. */
export function base32Id(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes.subarray(0, 10)) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/**
 * The artifact id of the model a job trained: derived from the job's id, so an attempt that
 * stores it again after a lost worker finds the same artifact.
 */
export function trainedModelArtifactId(jobId: string): string {
  return `art-${base32Id(createHash('sha256').update(`trained-model:${jobId}`).digest())}`;
}

/** An uploaded data set, picture or model as KV `artifacts.<id>` of `Nats.artifactIndexBucket` keeps it. */
export interface ArtifactRecord {
  id: string;
  team: string;
  createdBy: string;
  /** Absent in records written before pictures and models could be uploaded: a data set. */
  kind?: ArtifactKindName;
  /** The uploaded data file's name. */
  filename: string;
  format: DataFormatName;
  /** A picture is one row of height × width × channels values; a model has none. */
  rows: number;
  cols: number;
  /** One row's shape before it was flattened, where the file had one (NPY, IDX, pictures). */
  itemShape?: number[];
  model?: ModelSummary;
  /** A code archive: its files, checked when it was uploaded. */
  code?: CodeSummary;
  weightsFilename?: string;
  /** A model a `train-classifier` job wrote: that job's id. */
  sourceJob?: string;
  labeled: boolean;
  /** Class names in code order; empty when not labeled. */
  classNames: string[];
  /** The stored object's size (a data set's `encodeMatrix` bytes, a picture's file, a model's bundle): what counts against the team's storage limit. */
  storedBytes: number;
  /** SHA-256 (hex) of the uploaded data file. */
  sha256: string;
  labelsFilename?: string;
  /** ISO-8601. */
  createdAt: string;
}

/** One declared file of an upload and how much of it has arrived. */
export interface UploadFileRecord {
  filename: string;
  format: DataFormatName;
  sizeBytes: number;
  sha256: string;
  receivedBytes: number;
}

/** An upload in progress, KV `uploads.<id>`; its chunks are `ObjectNames.uploadPart` objects. */
export interface UploadRecord {
  id: string;
  team: string;
  createdBy: string;
  /** Every chunk but the last of a file has exactly this many bytes. */
  chunkSize: number;
  data: UploadFileRecord;
  labels?: UploadFileRecord;
  weights?: UploadFileRecord;
  /** CSV: the label column as given (a header name or a 1-based number). */
  labelColumn?: string;
  /** ISO-8601. */
  createdAt: string;
  updatedAt: string;
  /** The upload and its chunks are deleted when found past this time. */
  expiresAt: string;
}

/**
 * Where a chunk of an upload is stored. The second file's bytes (labels or weights) follow the
 * data file's in one offset space, so both files' chunks share `ObjectNames.uploadPart`'s naming.
 */
export function uploadPartOffset(upload: Pick<UploadRecord, 'data'>, file: UploadFileName, offset: number): number {
  return file === UploadFiles.data ? offset : upload.data.sizeBytes + offset;
}

/**
 * Each team's storage limit when `GPULAB_TEAM_STORAGE_MB` is not set: the gateway checks what is
 * uploaded and submitted against it, the scheduler's worker data server what jobs write.
 */
export const DEFAULT_TEAM_STORAGE_MB = 1024;

/** A team's storage use; `limitBytes` is `GPULAB_TEAM_STORAGE_MB`. */
export interface StorageUsageView {
  team: string;
  /** Stored artifacts: uploaded data sets, pictures and models, and trained models. */
  artifactBytes: number;
  /** Declared sizes of uploads in progress, held for them until they finish or end. */
  uploadBytes: number;
  /** Inline inputs (`ObjectNames.input`) of jobs that have not ended yet. */
  jobInputBytes: number;
  /** What jobs wrote: results, output files and checkpoints. */
  jobOutputBytes: number;
  limitBytes: number;
}

/** Everything a team's storage limit counts. */
export function storageUsedBytes(u: StorageUsageView): number {
  return u.artifactBytes + u.uploadBytes + u.jobInputBytes + u.jobOutputBytes;
}

/**
 * What a FinishUpload is doing, in order: waiting for its turn, checking the checksums, parsing
 * the data, storing the artifact; it ends `done` or `failed`.
 */
export const FinishPhases = {
  waiting: 'waiting',
  checking: 'checking',
  parsing: 'parsing',
  storing: 'storing',
  done: 'done',
  failed: 'failed',
} as const;
export type FinishPhaseName = (typeof FinishPhases)[keyof typeof FinishPhases];
export const FINISH_PHASES: readonly FinishPhaseName[] = Object.values(FinishPhases);

/** How far the gateway is with finishing one upload (GetUploadProgress). */
export interface FinishProgressView {
  uploadId: string;
  team: string;
  phase: FinishPhaseName;
  /** Bytes of the data file read in this phase (checking, parsing). */
  doneBytes: number;
  totalBytes: number;
  /** CSV: data lines counted while checking; 0 when not known. */
  rows: number;
  /** ISO 8601. */
  startedAt: string;
  updatedAt: string;
  /** Once `done`: the artifact made. */
  artifactId?: string;
}

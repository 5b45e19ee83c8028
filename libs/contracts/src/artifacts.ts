/** The file formats an upload may have. */
export const DataFormats = { csv: 'csv', npy: 'npy', idx: 'idx' } as const;
export type DataFormatName = (typeof DataFormats)[keyof typeof DataFormats];
export const DATA_FORMATS: readonly DataFormatName[] = [DataFormats.csv, DataFormats.npy, DataFormats.idx];

/** The two files of an upload: the data, and optionally its labels in a file of their own. */
export const UploadFiles = { data: 'data', labels: 'labels' } as const;
export type UploadFileName = (typeof UploadFiles)[keyof typeof UploadFiles];

/**
 * Artifact and upload ids: a prefix and 16 base32 letters (80 random bits). An artifact takes
 * the random part of the upload it came from, so finishing the same upload twice cannot create
 * two artifacts.
 */
export const ARTIFACT_ID_PATTERN = /^art-[a-z2-7]{16}$/;
export const UPLOAD_ID_PATTERN = /^up-[a-z2-7]{16}$/;

/** An uploaded data set as KV `artifacts.<id>` of `Nats.artifactIndexBucket` keeps it. */
export interface ArtifactRecord {
  id: string;
  team: string;
  createdBy: string;
  /** The uploaded data file's name. */
  filename: string;
  format: DataFormatName;
  rows: number;
  cols: number;
  labeled: boolean;
  /** Class names in code order; empty when not labeled. */
  classNames: string[];
  /** The `encodeMatrix` object's size: what counts against the team's storage limit. */
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
  /** CSV: the label column as given (a header name or a 1-based number). */
  labelColumn?: string;
  /** ISO-8601. */
  createdAt: string;
  updatedAt: string;
  /** The upload and its chunks are deleted when found past this time. */
  expiresAt: string;
}

/**
 * Where a chunk of an upload is stored. The labels file's bytes follow the data file's in one
 * offset space, so both files' chunks share `ObjectNames.uploadPart`'s naming.
 */
export function uploadPartOffset(upload: Pick<UploadRecord, 'data'>, file: UploadFileName, offset: number): number {
  return file === UploadFiles.data ? offset : upload.data.sizeBytes + offset;
}

/** A team's storage use; `limitBytes` is the gateway's `GPULAB_TEAM_STORAGE_MB`. */
export interface StorageUsageView {
  team: string;
  artifactBytes: number;
  uploadBytes: number;
  limitBytes: number;
}

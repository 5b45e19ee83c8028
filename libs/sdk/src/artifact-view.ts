import {
  artifactKindFromProto,
  type ArtifactKindName,
  type ArtifactRecord,
  dataFormatFromProto,
  type DataFormatName,
  type pb,
  type StorageUsageView,
  uploadFileFromProto,
  type UploadFileName,
} from '@gpulab/contracts';

/**
 * An uploaded data set, picture, model or code archive as SDK users see it: the gateway's record (see
 * `ArtifactRecord` for the fields), with a kind or format this version does not know as
 * `unknown` and the creation time as a Date.
 */
export type ArtifactView = Omit<ArtifactRecord, 'kind' | 'format' | 'createdAt'> & {
  kind: ArtifactKindName | 'unknown';
  format: DataFormatName | 'unknown';
  createdAt?: Date;
};

export interface UploadFileView {
  file: UploadFileName | 'unknown';
  filename: string;
  sizeBytes: number;
  receivedBytes: number;
}

/** An upload in progress. */
export interface UploadView {
  id: string;
  team: string;
  chunkSize: number;
  files: UploadFileView[];
  createdAt?: Date;
  expiresAt?: Date;
}

export type StorageUsage = StorageUsageView;

export function artifactFromProto(a: pb.Artifact): ArtifactView {
  return {
    id: a.id,
    team: a.team,
    kind: artifactKindFromProto(a.kind) ?? 'unknown',
    filename: a.filename,
    format: dataFormatFromProto(a.format) ?? 'unknown',
    rows: a.rows,
    cols: a.cols,
    itemShape: a.itemShape.length > 0 ? a.itemShape : undefined,
    model: a.model,
    code: a.code,
    weightsFilename: a.weightsFilename || undefined,
    sourceJob: a.sourceJob || undefined,
    labeled: a.labeled,
    classNames: a.classNames,
    storedBytes: a.storedBytes,
    sha256: a.sha256,
    labelsFilename: a.labelsFilename || undefined,
    createdBy: a.createdBy,
    createdAt: a.createdAt,
  };
}

export function uploadFromProto(u: pb.Upload): UploadView {
  return {
    id: u.id,
    team: u.team,
    chunkSize: u.chunkSize,
    files: u.files.map((f) => ({ file: uploadFileFromProto(f.file) ?? 'unknown', filename: f.filename, sizeBytes: f.sizeBytes, receivedBytes: f.receivedBytes })),
    createdAt: u.createdAt,
    expiresAt: u.expiresAt,
  };
}

export function usageFromProto(u: pb.StorageUsage): StorageUsage {
  return { team: u.team, artifactBytes: u.artifactBytes, uploadBytes: u.uploadBytes, jobInputBytes: u.jobInputBytes, jobOutputBytes: u.jobOutputBytes, limitBytes: u.limitBytes };
}

/** Bytes of an upload that the gateway has, over all its files. */
export function receivedBytes(upload: Pick<UploadView, 'files'>): number {
  return upload.files.reduce((sum, f) => sum + f.receivedBytes, 0);
}

export function uploadSize(upload: Pick<UploadView, 'files'>): number {
  return upload.files.reduce((sum, f) => sum + f.sizeBytes, 0);
}

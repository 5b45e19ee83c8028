import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { pb } from '@gpulab/contracts';

/**
 * The generated ArtifactService client without the SDK's help: for uploads the SDK would never
 * make (a wrong checksum, an upload left half-way).
 */
export class RawArtifactClient {
  private readonly client: pb.ArtifactServiceClient;
  private readonly metadata = new Metadata();

  constructor(address: string, token: string) {
    this.client = new pb.ArtifactServiceClient(address, credentials.createInsecure());
    this.metadata.set('authorization', `Bearer ${token}`);
  }

  async createUpload(filename: string, size: number, sha256: string): Promise<pb.Upload> {
    const request: pb.CreateUploadRequest = { data: { filename, format: pb.DataFormat.DATA_FORMAT_CSV, sizeBytes: size, sha256 }, labelColumn: '' };
    const response = await new Promise<pb.CreateUploadResponse>((resolve, reject) =>
      this.client.createUpload(request, this.metadata, (e, r) => (e ? reject(e) : resolve(r))),
    );
    return response.upload as pb.Upload;
  }

  /** Sends the data file's chunks from `from` up to (not including) byte `to`, in one stream. */
  writeData(upload: pb.Upload, bytes: Uint8Array, from = 0, to = bytes.byteLength): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const call = this.client.writeUpload(this.metadata, (e) => (e ? reject(e) : resolve()));
      for (let offset = from; offset < to; offset += upload.chunkSize) {
        const data = Buffer.from(bytes.subarray(offset, Math.min(offset + upload.chunkSize, bytes.byteLength)));
        call.write({ uploadId: upload.id, file: pb.UploadFile.UPLOAD_FILE_DATA, offset, data });
      }
      call.end();
    });
  }

  /**
   * Sends the data file's chunks up to byte `to` and keeps the stream open, as a client in the
   * middle of a slow upload would; `ended` settles with the call's status.
   */
  openWrite(upload: pb.Upload, bytes: Uint8Array, to: number): { ended: Promise<ServiceError | undefined>; end(): void } {
    let end = () => undefined as void;
    const ended = new Promise<ServiceError | undefined>((resolve) => {
      const call = this.client.writeUpload(this.metadata, (e) => resolve(e ?? undefined));
      for (let offset = 0; offset < to; offset += upload.chunkSize) {
        call.write({ uploadId: upload.id, file: pb.UploadFile.UPLOAD_FILE_DATA, offset, data: Buffer.from(bytes.subarray(offset, Math.min(offset + upload.chunkSize, bytes.byteLength))) });
      }
      end = () => call.end();
    });
    return { ended, end: () => end() };
  }

  finishUpload(uploadId: string): Promise<pb.FinishUploadResponse> {
    return new Promise((resolve, reject) => this.client.finishUpload({ uploadId }, this.metadata, (e, r) => (e ? reject(e) : resolve(r))));
  }

  close(): void {
    this.client.close();
  }
}

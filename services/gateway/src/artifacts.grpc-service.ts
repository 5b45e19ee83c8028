import { Injectable } from '@nestjs/common';
import { type ServerReadableStream, type UntypedHandleCall } from '@grpc/grpc-js';
import {
  artifactToProto,
  type Caller,
  DATA_FORMATS,
  dataFormatFromProto,
  ErrorCodes,
  finishProgressToProto,
  pb,
  storageUsageToProto,
  uploadFileFromProto,
  type UploadFileName,
  uploadToProto,
} from '@gpulab/contracts';
import { ArtifactLibrary } from './artifact-library';
import { GatewayError } from './errors';
import { RpcHandler } from './rpc-handler';
import { type UploadFileRequest } from './upload-declaration';
import { type UploadWrite } from './upload-session';

/** Implements `gpulab.v1.ArtifactService`: maps requests and answers; the rules are the library's pieces'. */
@Injectable()
export class ArtifactsGrpcService {
  constructor(
    private readonly library: ArtifactLibrary,
    private readonly rpc: RpcHandler,
  ) {}

  implementation(): pb.ArtifactServiceServer & { [name: string]: UntypedHandleCall } {
    return {
      createUpload: this.rpc.unary('CreateUpload', async (caller, req: pb.CreateUploadRequest): Promise<pb.CreateUploadResponse> => {
        const upload = await this.library.uploads.createUpload(caller, {
          data: fileRequest(req.data, 'data'),
          labels: fileRequest(req.labels, 'labels'),
          weights: fileRequest(req.weights, 'weights'),
          labelColumn: req.labelColumn,
        });
        return { upload: uploadToProto(upload) };
      }),
      writeUpload: this.rpc.clientStream('WriteUpload', (caller, call: ServerReadableStream<pb.WriteUploadRequest, pb.WriteUploadResponse>, signal) => this.write(caller, call, signal)),
      getUpload: this.rpc.unary('GetUpload', async (caller, req: pb.GetUploadRequest) => ({ upload: uploadToProto(await this.library.uploads.getUpload(caller, req.uploadId)) })),
      finishUpload: this.rpc.unary('FinishUpload', async (caller, req: pb.FinishUploadRequest) => ({
        artifact: artifactToProto(await this.library.finisher.finishUpload(caller, req.uploadId)),
      })),
      cancelUpload: this.rpc.unary('CancelUpload', async (caller, req: pb.CancelUploadRequest) => {
        await this.library.uploads.cancelUpload(caller, req.uploadId);
        return {};
      }),
      listArtifacts: this.rpc.unary('ListArtifacts', async (caller, req: pb.ListArtifactsRequest): Promise<pb.ListArtifactsResponse> => {
        const { artifacts, uploads, usage } = await this.library.catalogue.list(caller, req.team);
        return { artifacts: artifacts.map(artifactToProto), uploads: uploads.map(uploadToProto), usage: usage.map(storageUsageToProto) };
      }),
      getArtifact: this.rpc.unary('GetArtifact', async (caller, req: pb.GetArtifactRequest) => ({
        artifact: artifactToProto(await this.library.catalogue.getArtifact(caller, req.id)),
      })),
      deleteArtifact: this.rpc.unary('DeleteArtifact', async (caller, req: pb.DeleteArtifactRequest): Promise<pb.DeleteArtifactResponse> => {
        const { artifact, usage } = await this.library.catalogue.deleteArtifact(caller, req.id);
        return { artifact: artifactToProto(artifact), usage: storageUsageToProto(usage) };
      }),
      getUploadProgress: this.rpc.unary('GetUploadProgress', async (caller, req: pb.GetUploadProgressRequest): Promise<pb.GetUploadProgressResponse> => ({
        progress: finishProgressToProto(this.library.finisher.finishProgress(caller, req.uploadId)),
      })),
    };
  }

  /**
   * Stores each chunk before reading the next, so what arrived is kept when the stream breaks,
   * and the client's sending is held back to the store's pace.
   */
  private async write(caller: Caller, call: ServerReadableStream<pb.WriteUploadRequest, pb.WriteUploadResponse>, signal: AbortSignal): Promise<pb.WriteUploadResponse> {
    let write: UploadWrite | undefined;
    for await (const message of call as AsyncIterable<pb.WriteUploadRequest>) {
      // A revoked token stops the stream here; the chunks stored so far stay for a resume.
      if (call.cancelled || signal.aborted) break;
      if (!write) {
        if (!message.uploadId.trim()) throw new GatewayError(ErrorCodes.invalidArgument, 'the first message of the stream must name the upload (upload_id)');
        write = await this.library.uploads.openUpload(caller, message.uploadId);
      } else if (message.uploadId && message.uploadId.trim() !== write.upload.id) {
        throw new GatewayError(ErrorCodes.invalidArgument, `one stream writes one upload: ${write.upload.id}, not ${message.uploadId}`);
      }
      const file = uploadFileFromProto(message.file);
      if (!file) throw new GatewayError(ErrorCodes.invalidArgument, 'each chunk must say its file: UPLOAD_FILE_DATA, UPLOAD_FILE_LABELS or UPLOAD_FILE_WEIGHTS');
      await this.library.uploads.writeChunk(write, file, message.offset, message.data);
    }
    if (!write) throw new GatewayError(ErrorCodes.invalidArgument, 'the stream ended without a chunk');
    return { upload: uploadToProto(write.upload) };
  }
}

function fileRequest(spec: pb.UploadFileSpec | undefined, which: UploadFileName): UploadFileRequest | undefined {
  if (!spec) return undefined;
  const format = dataFormatFromProto(spec.format);
  if (spec.format !== pb.DataFormat.DATA_FORMAT_UNSPECIFIED && !format) {
    throw new GatewayError(ErrorCodes.invalidArgument, `the ${which} file's format (${spec.format}) is not one this gateway knows: ${DATA_FORMATS.join(', ')}`);
  }
  return { filename: spec.filename, format, sizeBytes: spec.sizeBytes, sha256: spec.sha256 };
}

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open, readFile, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { status, type ClientWritableStream } from '@grpc/grpc-js';
import {
  DATA_FORMATS,
  type DataFormatName,
  DataFormats,
  dataFormatToProto,
  finishProgressFromProto,
  type FinishProgressView,
  type pb,
  type UploadFileName,
  UploadFiles,
  uploadFileToProto,
} from '@gpulab/contracts';
import { artifactFromProto, type ArtifactView, receivedBytes, uploadFromProto, uploadSize, type UploadView } from './artifact-view';
import { type Endpoint, GpulabError } from './errors';
import { weightsPathProblem } from './weights-paths';

/** A file on disk (its path) or bytes in memory. */
export type UploadSource = string | Uint8Array;

export interface UploadOptions {
  /**
   * @default from the file name: .csv/.tsv/.txt, .npy, .idx or MNIST's `…-idx3-ubyte` (also
   * gzipped) for data sets, .png and .jpg/.jpeg for pictures, .json for a TensorFlow.js model
   */
  format?: DataFormatName;
  /** The artifact's file name. @default the path's base name; required when uploading bytes */
  filename?: string;
  /** CSV: the column with each row's class, a header name or a 1-based number. */
  labelColumn?: string | number;
  /** NPY/IDX data: a second file with one class per row. */
  labels?: UploadSource;
  /** @default from the labels file's name */
  labelsFormat?: DataFormatName;
  /** @default the labels path's base name; required when the labels are bytes */
  labelsFilename?: string;
  /**
   * A model (model.json): its weights, the files its manifest lists one after the other.
   * @default for a model.json on disk, the files its `weightsManifest` names, beside it
   */
  weights?: UploadSource;
  /** @default the weights path's base name; required when the weights are bytes */
  weightsFilename?: string;
  /** Go on with an earlier upload of the same file(s) that stopped (its id came with the progress). */
  resumeUploadId?: string;
  /** Stops the upload; what arrived stays for a day and `resumeUploadId` goes on from there. */
  signal?: AbortSignal;
  /** Broken streams in a row, without any bytes getting through, before giving up. @default 8 */
  maxRetries?: number;
}

export interface UploadProgress {
  uploadId: string;
  /** `hashing` the file(s) first, `sending` chunks, then the gateway is `finishing` (checks, parses, stores). */
  phase: 'hashing' | 'sending' | 'finishing';
  /** Bytes sent of all files; after a broken stream, what the gateway has. */
  sentBytes: number;
  totalBytes: number;
  /** How often the stream broke and the upload went on from what had arrived. */
  resumes: number;
  /** While `finishing`: how long the gateway has worked on it so far (reported every few seconds). */
  finishingMs?: number;
  /** While `finishing`: how long the client waits at most before it gives up (DEADLINE_EXCEEDED). */
  finishDeadlineMs?: number;
  /** While `finishing`: what the gateway says it is doing (its phase and the bytes read), when it says. */
  finish?: UploadFinishProgress;
}

/** How far the gateway is with finishing an upload (GetUploadProgress). */
export type UploadFinishProgress = Omit<FinishProgressView, 'team'>;

/** The calls an upload makes, provided by `GpulabClient` (one channel, its token and deadlines). */
export interface UploadRpc {
  endpoint: Endpoint;
  unary<Req, Res>(method: 'createUpload' | 'getUpload' | 'finishUpload' | 'getUploadProgress', request: Req, timeoutMs?: number): Promise<Res>;
  openWrite(callback: (error: unknown, response?: pb.WriteUploadResponse) => void): ClientWritableStream<pb.WriteUploadRequest>;
}

/** Errors after which going on makes no sense: the request itself is refused. */
const FINAL = new Set<number>([status.INVALID_ARGUMENT, status.NOT_FOUND, status.PERMISSION_DENIED, status.UNAUTHENTICATED, status.RESOURCE_EXHAUSTED]);
/**
 * How long FinishUpload may take: the gateway checks, parses and stores the whole file in it,
 * which grows with its size (a few seconds per 100 MB), so a minute plus a second per MiB, at
 * most 15 minutes. A refusal comes back within that whatever the file, so a wait never hangs.
 */
export function finishDeadlineMs(totalBytes: number): number {
  return Math.min(15 * 60_000, 60_000 + Math.ceil(totalBytes / (1024 * 1024)) * 1000);
}
/** How often the gateway is asked how far a finish is: often enough for a live bar, well within the read rate limit. */
const FINISH_PROGRESS_EVERY_MS = 500;

interface ByteSource {
  filename: string;
  format: DataFormatName;
  size: number;
  read(offset: number, length: number): Promise<Buffer>;
  sha256(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Uploads a data set: hashes the file(s), creates the upload (or goes on with `resumeUploadId`),
 * streams the chunks the gateway does not have yet, and when the stream breaks asks the gateway
 * how far it got and goes on from there; then finishes it.
 */
export async function uploadArtifact(rpc: UploadRpc, source: UploadSource, options: UploadOptions, onProgress?: (p: UploadProgress) => void): Promise<ArtifactView> {
  const sources: ByteSource[] = [];
  try {
    const dataSource = await openSource(source, options.filename, options.format, 'data');
    sources.push(dataSource);
    let second: SecondFile | undefined;
    if (options.labels !== undefined) {
      second = { file: UploadFiles.labels, source: await openSource(options.labels, options.labelsFilename, options.labelsFormat, 'labels') };
    } else if (options.weights !== undefined) {
      second = { file: UploadFiles.weights, source: await openSource(options.weights, options.weightsFilename, DataFormats.tfjsWeights, 'weights') };
    } else if (dataSource.format === DataFormats.tfjsModel && typeof source === 'string') {
      second = { file: UploadFiles.weights, source: await openWeightsOf(source) };
    }
    if (second) sources.push(second.source);
    const totalBytes = sources.reduce((sum, s) => sum + s.size, 0);
    let resumes = 0;
    const report = (uploadId: string, phase: UploadProgress['phase'], sentBytes: number, extra: Partial<UploadProgress> = {}) =>
      onProgress?.({ uploadId, phase, sentBytes, totalBytes, resumes, ...extra });
    report(options.resumeUploadId ?? '', 'hashing', 0);
    const spec = async (s: ByteSource): Promise<pb.UploadFileSpec> => ({ filename: s.filename, format: dataFormatToProto(s.format), sizeBytes: s.size, sha256: await s.sha256() });
    const dataSpec = await spec(dataSource);
    const secondSpec = second ? await spec(second.source) : undefined;
    checkAborted(options.signal, options.resumeUploadId);

    let upload: UploadView;
    if (options.resumeUploadId) {
      upload = await getUpload(rpc, options.resumeUploadId);
      const declared = upload.files.map((f) => `${f.filename}:${f.sizeBytes}`).join(',');
      const given = [dataSpec, secondSpec].filter((f) => f).map((f) => `${f?.filename}:${f?.sizeBytes}`).join(',');
      if (declared !== given) throw new GpulabError('INVALID_ARGUMENT', status.INVALID_ARGUMENT, `upload ${upload.id} is of ${declared}, not of ${given}; resume it with the same file(s)`);
    } else {
      const labelColumn = options.labelColumn === undefined ? '' : String(options.labelColumn);
      const created = await rpc.unary<pb.CreateUploadRequest, pb.CreateUploadResponse>('createUpload', {
        data: dataSpec,
        labels: second?.file === UploadFiles.labels ? secondSpec : undefined,
        weights: second?.file === UploadFiles.weights ? secondSpec : undefined,
        labelColumn,
      });
      if (!created.upload) throw new GpulabError('INTERNAL', status.INTERNAL, 'the server answered without an upload');
      upload = uploadFromProto(created.upload);
    }
    const uploadId = upload.id;
    report(uploadId, 'sending', receivedBytes(upload));

    const maxRetries = options.maxRetries ?? 8;
    let stuck = 0;
    while (receivedBytes(upload) < uploadSize(upload)) {
      const before = receivedBytes(upload);
      try {
        upload = await sendFrom(rpc, upload, dataSource, second, options.signal, (sent) => report(uploadId, 'sending', sent));
      } catch (error) {
        checkAborted(options.signal, uploadId);
        const e = GpulabError.from(error, rpc.endpoint);
        if (FINAL.has(e.grpcCode)) throw e;
        upload = await retrying(() => getUpload(rpc, uploadId), options.signal, uploadId, rpc.endpoint);
        resumes++;
        stuck = receivedBytes(upload) > before ? 0 : stuck + 1;
        if (stuck > maxRetries) {
          throw new GpulabError(e.code, e.grpcCode, `${e.message} (upload ${uploadId} stopped at ${receivedBytes(upload)} of ${uploadSize(upload)} bytes after ${stuck} tries; resume it later)`, { cause: e });
        }
        report(uploadId, 'sending', receivedBytes(upload));
        await sleep(backoffMs(stuck));
      }
    }
    const deadlineMs = finishDeadlineMs(totalBytes);
    report(uploadId, 'finishing', totalBytes, { finishingMs: 0, finishDeadlineMs: deadlineMs });
    const finishStarted = Date.now();
    const progress = new FinishProgressPoller(rpc, uploadId);
    let finishing = true;
    const ticker = setInterval(
      () =>
        void progress.poll().then((finish) => {
          // An answer that comes after FinishUpload did is old news.
          if (finishing) report(uploadId, 'finishing', totalBytes, { finishingMs: Date.now() - finishStarted, finishDeadlineMs: deadlineMs, ...(finish ? { finish } : {}) });
        }),
      FINISH_PROGRESS_EVERY_MS,
    );
    let finished: pb.FinishUploadResponse;
    try {
      // Finishing twice is harmless (the gateway returns the artifact it made), so it can be retried.
      finished = await retrying(
        () => rpc.unary<pb.FinishUploadRequest, pb.FinishUploadResponse>('finishUpload', { uploadId }, deadlineMs),
        options.signal,
        uploadId,
        rpc.endpoint,
        false,
      );
    } finally {
      finishing = false;
      clearInterval(ticker);
    }
    if (!finished.artifact) throw new GpulabError('INTERNAL', status.INTERNAL, 'the server answered without an artifact');
    return artifactFromProto(finished.artifact);
  } finally {
    for (const s of sources) await s.close();
  }
}

/**
 * Asks the gateway how far a FinishUpload is, one question at a time. Until the gateway has
 * started on it (NOT_FOUND), or from a gateway without the call, there is no answer: the time
 * spent is then all a client can show.
 */
class FinishProgressPoller {
  private asking = false;
  private supported = true;
  private last?: UploadFinishProgress;

  constructor(
    private readonly rpc: UploadRpc,
    private readonly uploadId: string,
  ) {}

  async poll(): Promise<UploadFinishProgress | undefined> {
    if (this.asking || !this.supported) return this.last;
    this.asking = true;
    try {
      const r = await this.rpc.unary<pb.GetUploadProgressRequest, pb.GetUploadProgressResponse>('getUploadProgress', { uploadId: this.uploadId }, FINISH_PROGRESS_EVERY_MS * 4);
      this.last = (r.progress && finishProgressFromProto(r.progress)) || this.last;
    } catch (error) {
      if (GpulabError.from(error, this.rpc.endpoint).grpcCode === status.UNIMPLEMENTED) this.supported = false;
    } finally {
      this.asking = false;
    }
    return this.last;
  }
}

/** The format a file name tells; undefined when it does not. */
export function formatFromName(filename: string): DataFormatName | undefined {
  if (/\.(tar\.gz|tgz)$/i.test(filename)) return 'tar-gz';
  const name = filename.toLowerCase().replace(/\.gz$/, '');
  if (/\.(csv|tsv|txt)$/.test(name)) return 'csv';
  if (name.endsWith('.npy')) return 'npy';
  if (name.endsWith('.idx') || /-idx\d-ubyte$|\.idx\d-ubyte$/.test(name)) return 'idx';
  if (name.endsWith('.png')) return 'png';
  if (/\.jpe?g$/.test(name)) return 'jpeg';
  if (name.endsWith('.json')) return 'tfjs-model';
  return undefined;
}

/** The file that comes with the data: a data set's labels or a model's weights. */
interface SecondFile {
  file: UploadFileName;
  source: ByteSource;
}

/**
 * A model.json's weights as one file: the files its `weightsManifest` lists, beside it, one
 * after the other in the manifest's order, which is how TensorFlow.js reads them.
 */
async function openWeightsOf(modelJsonPath: string): Promise<ByteSource> {
  let manifest: unknown;
  try {
    manifest = (JSON.parse(await readFile(modelJsonPath, 'utf8')) as { weightsManifest?: unknown }).weightsManifest;
  } catch (error) {
    throw new GpulabError('INVALID_ARGUMENT', status.INVALID_ARGUMENT, `${modelJsonPath} is not a TensorFlow.js model.json: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(manifest)) {
    throw new GpulabError(
      'INVALID_ARGUMENT',
      status.INVALID_ARGUMENT,
      `${modelJsonPath} is not a TensorFlow.js layers model (it has no "weightsManifest"); a .json file is uploaded as a model, data sets as CSV, NPY or IDX`,
    );
  }
  const paths = manifest.flatMap((group: { paths?: unknown }) => (Array.isArray(group?.paths) ? group.paths : []));
  for (const path of paths) {
    const problem = weightsPathProblem(path);
    if (problem === undefined) continue;
    const shown = typeof path === 'string' ? JSON.stringify(path.slice(0, 80)) + (path.length > 80 ? ` (${path.length} characters)` : '') : 'a path';
    throw new GpulabError(
      'INVALID_ARGUMENT',
      status.INVALID_ARGUMENT,
      `${modelJsonPath}: its weightsManifest path ${shown} ${problem}; nothing was read. Weights files must sit beside model.json, or give one with --weights`,
    );
  }
  if (paths.length === 0) {
    throw new GpulabError(
      'INVALID_ARGUMENT',
      status.INVALID_ARGUMENT,
      `${modelJsonPath}: its weightsManifest names no weights files (a layers model lists them under "paths"); give the weights file with --weights`,
    );
  }
  const files = paths.map((p) => resolve(dirname(modelJsonPath), p));
  const parts = await Promise.all(files.map((f) => openSource(f, undefined, DataFormats.tfjsWeights, 'weights')));
  return parts.length === 1 ? parts[0] : concatenated(parts, `${parts[0].filename}+${parts.length - 1}`);
}

/** Several files read as one, in order. */
function concatenated(parts: ByteSource[], filename: string): ByteSource {
  const starts: number[] = [];
  let size = 0;
  for (const part of parts) {
    starts.push(size);
    size += part.size;
  }
  return {
    filename,
    format: parts[0].format,
    size,
    read: async (offset, length) => {
      const out: Buffer[] = [];
      for (let i = 0; i < parts.length && length > 0; i++) {
        const end = starts[i] + parts[i].size;
        if (offset >= end) continue;
        const take = Math.min(length, end - offset);
        out.push(await parts[i].read(offset - starts[i], take));
        offset += take;
        length -= take;
      }
      return Buffer.concat(out);
    },
    sha256: async () => {
      const hash = createHash('sha256');
      for (const part of parts) {
        for (let at = 0; at < part.size; at += 1024 * 1024) hash.update(await part.read(at, Math.min(1024 * 1024, part.size - at)));
      }
      return hash.digest('hex');
    },
    close: async () => {
      for (const part of parts) await part.close();
    },
  };
}

async function getUpload(rpc: UploadRpc, uploadId: string): Promise<UploadView> {
  const response = await rpc.unary<pb.GetUploadRequest, pb.GetUploadResponse>('getUpload', { uploadId });
  if (!response.upload) throw new GpulabError('INTERNAL', status.INTERNAL, 'the server answered without an upload');
  return uploadFromProto(response.upload);
}

/** One WriteUpload stream from what the gateway has to the end, or until it breaks. */
function sendFrom(
  rpc: UploadRpc,
  upload: UploadView,
  data: ByteSource,
  second: SecondFile | undefined,
  signal: AbortSignal | undefined,
  onSent: (bytes: number) => void,
): Promise<UploadView> {
  return new Promise<UploadView>((resolve, reject) => {
    let settled = false;
    const call = rpc.openWrite((error, response) => {
      settled = true;
      signal?.removeEventListener('abort', abort);
      if (error) reject(error);
      else if (!response?.upload) reject(new GpulabError('INTERNAL', status.INTERNAL, 'the server answered without an upload'));
      else resolve(uploadFromProto(response.upload));
    });
    const abort = () => call.cancel();
    signal?.addEventListener('abort', abort, { once: true });
    let sent = receivedBytes(upload);
    const pump = async () => {
      let first = true;
      for (const { file, source } of [{ file: UploadFiles.data, source: data }, ...(second ? [second] : [])]) {
        const status = upload.files.find((f) => f.file === file);
        if (!source || !status) continue;
        for (let offset = status.receivedBytes; offset < source.size && !settled; offset += upload.chunkSize) {
          const chunk = await source.read(offset, Math.min(upload.chunkSize, source.size - offset));
          if (settled) return;
          const more = call.write({ uploadId: first ? upload.id : '', file: uploadFileToProto(file), offset, data: chunk });
          first = false;
          sent += chunk.byteLength;
          onSent(sent);
          if (!more) await drained(call, () => settled);
        }
      }
      if (!settled) call.end();
    };
    pump().catch((error: unknown) => {
      call.cancel();
      if (!settled) reject(error);
    });
  });
}

/** Waits until the stream takes more, or the call is over. */
function drained(call: ClientWritableStream<pb.WriteUploadRequest>, over: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearInterval(poll);
      call.off('drain', done);
      resolve();
    };
    call.once('drain', done);
    // 'drain' never comes once the call has ended with an error; the callback marks that.
    const poll = setInterval(() => over() && done(), 50);
  });
}

/** Calls that may meet a gateway that is restarting: tried again for about half a minute. */
/** `afterDeadline: false`: a call that used its whole deadline is not tried again (it would only wait as long again). */
async function retrying<T>(work: () => Promise<T>, signal: AbortSignal | undefined, uploadId: string, endpoint: Endpoint, afterDeadline = true): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    checkAborted(signal, uploadId);
    try {
      return await work();
    } catch (error) {
      const e = GpulabError.from(error, endpoint);
      if (!e.retryable || attempt >= 10 || (!afterDeadline && e.grpcCode === status.DEADLINE_EXCEEDED)) throw e;
      await sleep(backoffMs(attempt));
    }
  }
}

function checkAborted(signal: AbortSignal | undefined, uploadId: string | undefined): void {
  if (!signal?.aborted) return;
  const resume = uploadId ? `; what arrived is kept for a while: resume with the upload id ${uploadId}` : '';
  throw new GpulabError('CANCELLED', status.CANCELLED, `the upload was stopped${resume}`);
}

function backoffMs(attempt: number): number {
  return Math.min(250 * 2 ** (attempt - 1), 5000);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function openSource(source: UploadSource, filename: string | undefined, format: DataFormatName | undefined, which: string): Promise<ByteSource> {
  const name = filename ?? (typeof source === 'string' ? basename(source) : undefined);
  if (!name) throw new GpulabError('INVALID_ARGUMENT', status.INVALID_ARGUMENT, `the ${which} bytes need a file name (${which === 'data' ? 'filename' : `${which}Filename`})`);
  const fmt = format ?? formatFromName(name);
  if (!fmt || !DATA_FORMATS.includes(fmt)) {
    throw new GpulabError('INVALID_ARGUMENT', status.INVALID_ARGUMENT, `cannot tell the format of ${name} from its name; give it: ${DATA_FORMATS.join(', ')}`);
  }
  if (typeof source !== 'string') {
    const bytes = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
    return {
      filename: name,
      format: fmt,
      size: bytes.byteLength,
      read: async (offset, length) => bytes.subarray(offset, offset + length),
      sha256: async () => createHash('sha256').update(bytes).digest('hex'),
      close: async () => undefined,
    };
  }
  let handle: FileHandle;
  let size: number;
  try {
    size = (await stat(source)).size;
    handle = await open(source, 'r');
  } catch (error) {
    throw new GpulabError('INVALID_ARGUMENT', status.INVALID_ARGUMENT, `${source}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { cause: error });
  }
  return {
    filename: name,
    format: fmt,
    size,
    read: async (offset, length) => {
      const buffer = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await handle.read(buffer, got, length - got, offset + got);
        if (bytesRead === 0) throw new GpulabError('FAILED_PRECONDITION', status.FAILED_PRECONDITION, `${source} became shorter while it was being uploaded`);
        got += bytesRead;
      }
      return buffer;
    },
    sha256: () =>
      new Promise((resolve, reject) => {
        const hash = createHash('sha256');
        createReadStream(source, { highWaterMark: 1024 * 1024 })
          .on('data', (chunk) => hash.update(chunk))
          .on('error', reject)
          .on('end', () => resolve(hash.digest('hex')));
      }),
    close: () => handle.close(),
  };
}

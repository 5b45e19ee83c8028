import { once } from 'node:events';
import { type ServerWritableStream } from '@grpc/grpc-js';
import { ErrorCodes, ErrorReasons, ObjectNames, OUTPUT_FILE_NAME_PATTERN, type OutputFileRef, type pb } from '@gpulab/contracts';
import { readObject } from '@gpulab/platform';
import { type ObjectStore } from '@nats-io/obj';
import { GatewayError } from './errors';
import { HeavyWorkGate } from './heavy-work-gate';

/** The largest chunk of a download message. */
export const DOWNLOAD_CHUNK_BYTES = 512 * 1024;
const RESULT_FILE = 'result.json';
/**
 * Downloads that stream from the store at once, and how many more may wait for a turn. Each
 * streaming download has the store push its objects to this process: a thousand at once
 * overran the NATS connection's pending limit, which cut the gateway off the store for every
 * call. Past the waiting line a download is refused with RESOURCE_EXHAUSTED.
 */
export const DOWNLOAD_LIMITS = { concurrency: 16, maxWaiting: 256 } as const;
/** A store read that sends nothing for this long has stalled (its connection was cut): the download ends UNAVAILABLE and the client resumes it. */
export const STORE_STALL_MS = 30_000;

interface Planned {
  filename: string;
  contentType: string;
  sizeBytes: number;
  /** The object to stream, or the bytes already read (the result). */
  source: { object: string } | { bytes: Uint8Array };
}

/**
 * Streams a finished job's result object and the files it lists, one after the other, in chunks
 * of at most 512 KiB. Every listed file is looked up before the first byte goes out, so a
 * download either has everything or fails at once.
 */
export class ResultDownload {
  private readonly gate: HeavyWorkGate;

  constructor(
    private readonly objects: ObjectStore,
    limits: { concurrency: number; maxWaiting: number } = DOWNLOAD_LIMITS,
    private readonly stallMs = STORE_STALL_MS,
  ) {
    this.gate = new HeavyWorkGate({
      ...limits,
      busy: (running, waiting) => `the gateway is sending ${running} downloads and ${waiting} more are waiting for a turn; try again in a minute`,
    });
  }

  /**
   * `signal` aborts when the client goes away or its token stops working. `resume` (a broken
   * download's place: the file it was in and the bytes of it that arrived) skips what the
   * client has.
   */
  async send(
    team: string,
    jobId: string,
    resultRef: string,
    call: ServerWritableStream<pb.DownloadResultRequest, pb.DownloadResultResponse>,
    signal: AbortSignal,
    resume: { fileIndex: number; offset: number } = { fileIndex: 0, offset: 0 },
  ): Promise<{ files: number; bytes: number }> {
    // Turns go to the team with the fewest downloads running, so one team's flood does not starve another's download.
    return this.gate.run(team, () => this.sendNow(jobId, resultRef, call, signal, resume));
  }

  private async sendNow(
    jobId: string,
    resultRef: string,
    call: ServerWritableStream<pb.DownloadResultRequest, pb.DownloadResultResponse>,
    signal: AbortSignal,
    resume: { fileIndex: number; offset: number },
  ): Promise<{ files: number; bytes: number }> {
    if (call.cancelled || signal.aborted) throw new GatewayError(ErrorCodes.unavailable, 'the client went away while its download waited for a turn');
    const plan = await this.plan(jobId, resultRef);
    const downloadBytes = plan.reduce((sum, f) => sum + f.sizeBytes, 0);
    const fileCount = plan.length;
    const resumed = plan[resume.fileIndex];
    if (!resumed || resume.offset > resumed.sizeBytes) {
      throw new GatewayError(
        ErrorCodes.invalidArgument,
        `cannot resume at file ${resume.fileIndex}, byte ${resume.offset}: the download has ${fileCount} files${resumed ? ` and file ${resume.fileIndex} has ${resumed.sizeBytes} bytes` : ''}`,
      );
    }
    for (const [fileIndex, file] of plan.entries()) {
      if (fileIndex < resume.fileIndex) continue;
      const skip = fileIndex === resume.fileIndex ? resume.offset : 0;
      const header = { filename: file.filename, contentType: file.contentType, sizeBytes: file.sizeBytes, downloadBytes, fileIndex, fileCount };
      const write = async (offset: number, data: Uint8Array) => {
        if (call.cancelled || signal.aborted) throw signal.reason instanceof GatewayError ? signal.reason : new GatewayError(ErrorCodes.unavailable, 'the client went away');
        if (!call.write({ ...header, offset, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) })) await once(call, 'drain');
      };
      let sent = skip;
      if ('bytes' in file.source) {
        while (sent < file.sizeBytes) {
          const data = file.source.bytes.subarray(sent, sent + DOWNLOAD_CHUNK_BYTES);
          await write(sent, data);
          sent += data.byteLength;
        }
      } else {
        sent = await this.streamObject(jobId, file, skip, write);
      }
      // An empty file (or the rest of one that had all its bytes) still gets one message, so that the client finishes it.
      if (file.sizeBytes === skip && (file.sizeBytes === 0 || skip > 0)) await write(skip, new Uint8Array(0));
      else if (sent !== file.sizeBytes) {
        throw new GatewayError(ErrorCodes.internal, `${file.filename} of job ${jobId} has ${sent} bytes stored, not ${file.sizeBytes}`);
      }
    }
    return { files: fileCount, bytes: downloadBytes };
  }

  private async plan(jobId: string, resultRef: string): Promise<Planned[]> {
    const result = await readObject(this.objects, resultRef);
    if (!result) throw new GatewayError(ErrorCodes.notFound, `the result of job ${jobId} is no longer stored`, { reason: ErrorReasons.resultNotFound, metadata: { job: jobId } });
    const plan: Planned[] = [{ filename: RESULT_FILE, contentType: 'application/json', sizeBytes: result.byteLength, source: { bytes: result } }];
    for (const ref of listedFiles(jobId, result)) {
      const object = ObjectNames.output(jobId, ref.name);
      const info = await this.objects.info(object);
      if (!info || info.deleted) throw new GatewayError(ErrorCodes.notFound, `${ref.name}, a file of job ${jobId}'s result, is no longer stored`, { reason: ErrorReasons.resultNotFound, metadata: { job: jobId } });
      plan.push({ filename: ref.name, contentType: ref.contentType || 'application/octet-stream', sizeBytes: info.size, source: { object } });
    }
    return plan;
  }

  /** Re-chunks the store's pieces into messages of at most DOWNLOAD_CHUNK_BYTES, from byte `skip` on. */
  private async streamObject(jobId: string, file: Planned, skip: number, write: (offset: number, data: Uint8Array) => Promise<void>): Promise<number> {
    const name = (file.source as { object: string }).object;
    const result = await this.objects.get(name);
    if (!result) throw new GatewayError(ErrorCodes.notFound, `${file.filename}, a file of job ${jobId}'s result, is no longer stored`, { reason: ErrorReasons.resultNotFound, metadata: { job: jobId } });
    const reader = result.data.getReader();
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    let sent = skip;
    let toSkip = skip;
    const flush = async () => {
      const data = pending.length === 1 ? pending[0] : Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
      await write(sent, data);
      sent += data.byteLength;
    };
    try {
      for (;;) {
        const { done, value } = await this.nextPiece(reader, file.filename, jobId);
        if (done) break;
        // The store has no reads from an offset: what the client has is read and passed over.
        const passed = Math.min(toSkip, value.byteLength);
        toSkip -= passed;
        let piece = value.subarray(passed);
        while (piece.byteLength > 0) {
          const take = Math.min(piece.byteLength, DOWNLOAD_CHUNK_BYTES - pendingBytes);
          pending.push(piece.subarray(0, take));
          pendingBytes += take;
          piece = piece.subarray(take);
          if (pendingBytes === DOWNLOAD_CHUNK_BYTES) await flush();
        }
      }
      if (pendingBytes > 0) await flush();
    } catch (error) {
      await reader.cancel().catch(() => undefined);
      throw error;
    }
    const failed = await result.error;
    if (failed) throw failed;
    return sent;
  }

  /** The reader's next piece, or UNAVAILABLE once the store has sent nothing for `stallMs`: a read whose connection was cut never ends by itself. */
  private async nextPiece(reader: ReadableStreamDefaultReader<Uint8Array>, filename: string, jobId: string): Promise<Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>> {
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new GatewayError(ErrorCodes.unavailable, `the store sent nothing of ${filename} (job ${jobId}) for ${Math.round(this.stallMs / 1000)} s; try again (a download resumes where it broke)`)),
        this.stallMs,
      );
    });
    try {
      return await Promise.race([reader.read(), stalled]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The result's `files`, each checked: a name that could leave the download folder is refused. */
function listedFiles(jobId: string, result: Uint8Array): OutputFileRef[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(result).toString('utf8'));
  } catch (error) {
    throw new GatewayError(ErrorCodes.internal, `the stored result of job ${jobId} is not JSON`, { cause: error });
  }
  const files = (parsed as { files?: unknown } | null)?.files;
  if (files === undefined) return [];
  if (!Array.isArray(files)) throw new GatewayError(ErrorCodes.internal, `the result of job ${jobId} lists its files in an unknown form`);
  const seen = new Set<string>([RESULT_FILE]);
  return files.map((f: Partial<OutputFileRef>) => {
    if (typeof f?.name !== 'string' || !OUTPUT_FILE_NAME_PATTERN.test(f.name) || seen.has(f.name)) {
      throw new GatewayError(ErrorCodes.internal, `the result of job ${jobId} lists a file named ${JSON.stringify(f?.name)}, which is not a plain, unique file name`);
    }
    seen.add(f.name);
    return { name: f.name, contentType: typeof f.contentType === 'string' ? f.contentType : '', bytes: Number(f.bytes) };
  });
}

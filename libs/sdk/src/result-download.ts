import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { status, type ClientReadableStream } from '@grpc/grpc-js';
import { OUTPUT_FILE_NAME_PATTERN, type pb } from '@gpulab/contracts';
import { type Endpoint, GpulabError } from './errors';

/** A file a download wrote. */
export interface DownloadedFile {
  name: string;
  /** Where it was written. */
  path: string;
  bytes: number;
  contentType: string;
}

export interface DownloadProgress {
  /** The file being written. */
  file: string;
  fileIndex: number;
  fileCount: number;
  /** Bytes written of the whole download. */
  receivedBytes: number;
  totalBytes: number;
  /** How often the download broke and went on where it broke. */
  resumes: number;
}


/** Where a broken download goes on: the file it was in and the bytes of it that arrived. */
export interface DownloadResume {
  fileIndex: number;
  offset: number;
}

/** Breaks a download rides out (a gateway restarting): tried again this often, waiting longer each time. */
const DOWNLOAD_RETRIES = 10;

/**
 * Writes a DownloadResult stream into `dir`: each file first as `<name>.part`, renamed once all
 * its bytes are there, so a broken download never leaves a file that looks complete. When the
 * stream breaks on the way (the gateway restarting), `open` is called again with the place it
 * broke at, and the download goes on from there: the files already written and the bytes of
 * the file it was in are kept, not fetched again (`request` asks from that place).
 */
export async function writeDownload(request: (resume: DownloadResume) => ClientReadableStream<pb.DownloadResultResponse>, dir: string, endpoint: Endpoint, onProgress?: (p: DownloadProgress) => void): Promise<DownloadedFile[]> {
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  const written: DownloadedFile[] = [];
  let current: { name: string; index: number; path: string; handle: FileHandle; size: number; received: number; contentType: string } | undefined;
  let receivedBytes = 0;
  let nextIndex = 0;
  try {
    for (let attempt = 1; ; attempt++) {
      const stream = request(current ? { fileIndex: current.index, offset: current.received } : { fileIndex: nextIndex, offset: 0 });
      try {
        for await (const message of stream as AsyncIterable<pb.DownloadResultResponse>) {
          if (!current || current.name !== message.filename) {
            if (current) throw unexpected(`${current.name} ended after ${current.received} of ${current.size} bytes`);
            const name = safeName(message.filename, written);
            const path = join(root, name);
            current = { name, index: message.fileIndex, path, handle: await open(`${path}.part`, 'w'), size: message.sizeBytes, received: 0, contentType: message.contentType };
          }
          if (message.offset !== current.received) throw unexpected(`${current.name}: bytes at ${message.offset}, expected ${current.received}`);
          if (current.received + message.data.byteLength > current.size) throw unexpected(`${current.name}: more than its ${current.size} bytes`);
          await current.handle.write(message.data, 0, message.data.byteLength, message.offset);
          current.received += message.data.byteLength;
          receivedBytes += message.data.byteLength;
          onProgress?.({ file: current.name, fileIndex: message.fileIndex, fileCount: message.fileCount, receivedBytes, totalBytes: message.downloadBytes, resumes: attempt - 1 });
          if (current.received === current.size) {
            await current.handle.close();
            await rename(`${current.path}.part`, current.path);
            written.push({ name: current.name, path: current.path, bytes: current.size, contentType: current.contentType });
            nextIndex = current.index + 1;
            current = undefined;
          }
        }
        if (current) throw unexpected(`the download ended in ${current.name}, after ${current.received} of ${current.size} bytes`);
        return written;
      } catch (error) {
        const e = GpulabError.from(error, endpoint);
        if (!e.retryable || attempt >= DOWNLOAD_RETRIES) throw e;
        await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** (attempt - 1), 5000)));
      } finally {
        stream.cancel();
      }
    }
  } catch (error) {
    if (current) {
      await current.handle.close().catch(() => undefined);
      await rm(`${current.path}.part`, { force: true });
    }
    throw GpulabError.from(error, endpoint);
  }
}

/** Reads the first file of a DownloadResult stream (the result) and stops the rest. */
export async function readFirstFile(stream: ClientReadableStream<pb.DownloadResultResponse>, endpoint: Endpoint): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = -1;
  let received = 0;
  try {
    for await (const message of stream as AsyncIterable<pb.DownloadResultResponse>) {
      if (size < 0) size = message.sizeBytes;
      parts.push(message.data);
      received += message.data.byteLength;
      if (received >= size) break;
    }
  } catch (error) {
    throw GpulabError.from(error, endpoint);
  } finally {
    stream.cancel();
  }
  if (size < 0 || received !== size) throw unexpected(`the result ended after ${received} of ${Math.max(size, 0)} bytes`);
  return Buffer.concat(parts);
}

function safeName(name: string, written: DownloadedFile[]): string {
  if (!OUTPUT_FILE_NAME_PATTERN.test(name) || basename(name) !== name || name.endsWith('.part')) {
    throw unexpected(`the gateway sent a file named ${JSON.stringify(name)}, which is not a plain file name; it was not written`);
  }
  if (written.some((w) => w.name === name)) throw unexpected(`the gateway sent ${name} twice`);
  return name;
}

function unexpected(message: string): GpulabError {
  return new GpulabError('DATA_LOSS', status.DATA_LOSS, message);
}

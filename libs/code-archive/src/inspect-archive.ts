import { Parser, type ReadEntry } from 'tar';
import { checkEntry } from './entry-rules';
import { CodeArchiveError, CodeArchiveErrorCodes } from './errors';
import { type ArchiveLimits, CODE_ARCHIVE_LIMITS } from './limits';

/** What a code archive holds, once every entry passed the rules. */
export interface ArchiveSummary {
  /** Entries of every type: files, directories, links. */
  entries: number;
  files: number;
  /** The files' sizes added up: what unpacking writes. */
  unpackedBytes: number;
}

/** An archive as bytes or as chunks (an upload's, read back from the store). */
export type ArchiveSource = Uint8Array | AsyncIterable<Uint8Array>;

/**
 * Reads a `.tar.gz` without writing anything and refuses it (`CodeArchiveError`) at the first
 * entry that breaks a rule (`checkEntry`), or past the limits on entries and unpacked bytes, or
 * when it is not a gzip-compressed tar archive at all.
 */
export async function inspectArchive(archive: ArchiveSource, limits: ArchiveLimits = CODE_ARCHIVE_LIMITS): Promise<ArchiveSummary> {
  const summary: ArchiveSummary = { entries: 0, files: 0, unpackedBytes: 0 };
  const visit = (entry: ArchiveEntryLike) => {
    checkEntry(entry);
    summary.entries++;
    if (entry.type !== 'Directory' && entry.type !== 'SymbolicLink' && entry.type !== 'Link') {
      summary.files++;
      summary.unpackedBytes += entry.size;
    }
    if (summary.entries > limits.maxEntries) throw new CodeArchiveError(CodeArchiveErrorCodes.tooLarge, `the archive has more than ${limits.maxEntries} entries`);
    if (summary.unpackedBytes > limits.maxUnpackedBytes) throw new CodeArchiveError(CodeArchiveErrorCodes.tooLarge, `the archive unpacks to more than ${mib(limits.maxUnpackedBytes)}`, entry.path);
  };
  await readEntries(archive, visit);
  return summary;
}

type ArchiveEntryLike = Pick<ReadEntry, 'path' | 'type' | 'size'> & { linkpath?: string };

/**
 * Feeds the archive through tar's parser, calling `visit` on each entry's header; the first
 * error `visit` throws ends the read. Entries' bodies are skipped.
 */
async function readEntries(archive: ArchiveSource, visit: (entry: ArchiveEntryLike) => void): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      reject(error instanceof CodeArchiveError ? error : new CodeArchiveError(CodeArchiveErrorCodes.malformed, `not a .tar.gz archive gpulab can read (${(error as Error).message})`, undefined, { cause: error }));
    };
    // Strict: a damaged header is an error, not a warning that skips the entry.
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry) => {
        entry.resume();
        if (settled) return;
        try {
          visit(entry);
        } catch (error) {
          fail(error);
          parser.abort(error as Error);
        }
      },
    });
    parser.on('error', fail);
    parser.on('end', () => {
      if (settled) return;
      settled = true;
      resolve();
    });
    void feed(archive, parser, () => settled).catch(fail);
  });
}

async function feed(archive: ArchiveSource, parser: Parser, done: () => boolean): Promise<void> {
  if (archive instanceof Uint8Array) {
    parser.end(Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength));
    return;
  }
  for await (const chunk of archive) {
    // Refused already: the rest is not read from the store.
    if (done()) return;
    if (!parser.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))) await new Promise((resume) => parser.once('drain', resume));
  }
  parser.end();
}

function mib(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MiB`;
}

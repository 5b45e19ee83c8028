import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { create } from 'tar';
import { listCodeFiles } from './code-files';
import { CodeArchiveError, CodeArchiveErrorCodes } from './errors';
import { type ArchiveLimits, CODE_ARCHIVE_LIMITS } from './limits';

/** A directory packed as a `.tar.gz`, with what a summary says of it. */
export interface PackedCode {
  archive: Buffer;
  /** SHA-256 of `archive`, 64 hex digits: the same tree packs into the same bytes, so an upload is found again by it. */
  sha256: string;
  files: number;
  /** The files' sizes added up, before compression. */
  unpackedBytes: number;
}

/** One moment for every entry: a file's mtime is not part of the code, and would change the hash of an unchanged tree. */
const FIXED_MTIME = new Date(0);

/**
 * Packs `dir` into a gzip-compressed tar archive in memory, leaving out what `listCodeFiles`
 * leaves out. Deterministic for an unchanged tree: entries sorted, no owners, one mtime.
 */
export async function packDirectory(dir: string, limits: ArchiveLimits = CODE_ARCHIVE_LIMITS): Promise<PackedCode> {
  const list = await listCodeFiles(dir, limits);
  const files = list.filter((f) => f.kind === 'file');
  if (files.length === 0) throw new CodeArchiveError(CodeArchiveErrorCodes.nothingToPack, `${dir} has no files to pack (after leaving out .git, node_modules, __pycache__ and .gpulabignore's lines)`);
  // noDirRecurse: a directory entry alone, not its contents again (which would bring back what was left out).
  const pack = create({ gzip: true, cwd: resolve(dir), portable: true, noDirRecurse: true, follow: false, mtime: FIXED_MTIME }, list.map((f) => f.path));
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  const archive = Buffer.concat(chunks);
  return { archive, sha256: createHash('sha256').update(archive).digest('hex'), files: files.length, unpackedBytes: files.reduce((sum, f) => sum + f.size, 0) };
}

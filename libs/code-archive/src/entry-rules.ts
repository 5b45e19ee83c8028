import { posix } from 'node:path';
import { CodeArchiveError, CodeArchiveErrorCodes } from './errors';
import { CODE_ARCHIVE_LIMITS } from './limits';

/** What the rules read of one archive entry (a tar header). */
export interface ArchiveEntry {
  path: string;
  type: string;
  linkpath?: string;
  size: number;
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);
const LINK_TYPES = new Set(['SymbolicLink', 'Link']);

/**
 * Refuses an entry that could write outside the directory it is unpacked into: an absolute
 * path or one with a drive letter, a path that leaves it with `..`, a link whose target is
 * absolute or leaves it, and anything but files, directories and links (devices, FIFOs). The
 * paths are judged as written, without the file system, so the same archive gets the same
 * answer at upload and at unpack.
 */
export function checkEntry(entry: ArchiveEntry): void {
  const path = entry.path;
  if (path.includes('\0') || Buffer.byteLength(path) > CODE_ARCHIVE_LIMITS.maxPathBytes) refuse(CodeArchiveErrorCodes.escapingPath, `${show(path)} is not a path gpulab unpacks`, path);
  if (escapes(path)) refuse(CodeArchiveErrorCodes.escapingPath, `${show(path)} leaves the working directory (an absolute path or one with ..)`, path);
  if (entry.type === 'Directory' || FILE_TYPES.has(entry.type)) return;
  if (!LINK_TYPES.has(entry.type)) refuse(CodeArchiveErrorCodes.unsupportedEntry, `${show(path)} is a ${entry.type}; a code archive holds files, directories and links`, path);
  const target = entry.linkpath ?? '';
  // A symbolic link's target is relative to the link's directory; a hard link's to the archive's top.
  const resolved = entry.type === 'SymbolicLink' ? posix.join(posix.dirname(toPosix(path)), toPosix(target)) : target;
  if (!target || isAbsolute(target) || escapes(resolved)) refuse(CodeArchiveErrorCodes.escapingLink, `${show(path)} links to ${show(target)}, outside the working directory`, path);
}

/** True when a relative path leaves its directory, or is absolute. */
function escapes(path: string): boolean {
  if (isAbsolute(path)) return true;
  const normal = posix.normalize(toPosix(path));
  return normal === '..' || normal.startsWith('../');
}

function isAbsolute(path: string): boolean {
  return path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:/.test(path);
}

/** Windows separators count as separators, as an unpacker on Windows would take them. */
function toPosix(path: string): string {
  return path.replace(/\\/g, '/');
}

function show(path: string): string {
  return JSON.stringify(path.length > 120 ? `${path.slice(0, 120)}…` : path);
}

function refuse(code: (typeof CodeArchiveErrorCodes)[keyof typeof CodeArchiveErrorCodes], message: string, entry: string): never {
  throw new CodeArchiveError(code, message, entry);
}

import { mkdir, readdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar';
import { checkEntry } from './entry-rules';
import { CodeArchiveError, CodeArchiveErrorCodes } from './errors';
import { type ArchiveSummary, inspectArchive } from './inspect-archive';
import { type ArchiveLimits, CODE_ARCHIVE_LIMITS } from './limits';

/**
 * Unpacks a code archive into `destDir` (made when missing; it must be empty): the job's fresh
 * working directory. The archive is inspected first, so a refused one writes nothing; while
 * unpacking, tar's own guards stay on (no absolute paths, no `..`, no writing through a link)
 * and every entry is checked again, so an archive that changed between upload and unpack, or
 * that fools one check, still cannot write outside `destDir`. Owners are not kept.
 */
export async function unpackArchive(archive: Uint8Array, destDir: string, limits: ArchiveLimits = CODE_ARCHIVE_LIMITS): Promise<ArchiveSummary> {
  const summary = await inspectArchive(archive, limits);
  await mkdir(destDir, { recursive: true });
  if ((await readdir(destDir)).length > 0) throw new CodeArchiveError(CodeArchiveErrorCodes.destinationNotEmpty, `${destDir} is not empty; code is unpacked into a fresh directory`);
  let refused: unknown;
  const unpack = extract({
    cwd: destDir,
    strict: true,
    preservePaths: false,
    preserveOwner: false,
    filter: (path, entry) => {
      try {
        checkEntry({ path, type: 'type' in entry ? entry.type : 'File', linkpath: 'linkpath' in entry ? entry.linkpath : undefined, size: 'size' in entry ? entry.size : 0 });
        return true;
      } catch (error) {
        refused ??= error;
        return false;
      }
    },
  });
  await pipeline(Readable.from([Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength)]), unpack);
  if (refused) throw refused;
  return summary;
}

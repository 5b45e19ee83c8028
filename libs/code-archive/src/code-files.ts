import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { CodeArchiveError, CodeArchiveErrorCodes } from './errors';
import { ALWAYS_IGNORED, type ArchiveLimits, CODE_ARCHIVE_LIMITS, IGNORE_FILE } from './limits';

/** One path a code archive will hold, relative to the packed directory, with `/` separators. */
export interface CodeFile {
  path: string;
  kind: 'file' | 'directory' | 'link';
  /** A file's size in bytes; 0 for the others. */
  size: number;
}

/**
 * The files, links and directories under `dir` that a code archive holds, sorted by path so the
 * same tree always packs into the same bytes. Left out: `ALWAYS_IGNORED` at any depth and what
 * `dir/.gpulabignore` lists (gitignore's rules); refused: a link pointing outside `dir`, and a
 * tree past the limits, before anything is packed.
 */
export async function listCodeFiles(dir: string, limits: ArchiveLimits = CODE_ARCHIVE_LIMITS): Promise<CodeFile[]> {
  const root = resolve(dir);
  const top = await lstat(root).catch(() => undefined);
  if (!top?.isDirectory()) throw new CodeArchiveError(CodeArchiveErrorCodes.nothingToPack, `${dir} is not a directory`);
  const rules = ignore().add([...ALWAYS_IGNORED]);
  const listed = await readFile(join(root, IGNORE_FILE), 'utf8').catch(() => undefined);
  if (listed !== undefined) rules.add(listed);
  const found: CodeFile[] = [];
  let bytes = 0;
  await walk(root, '', rules, async (file) => {
    found.push(file);
    bytes += file.size;
    if (found.length > limits.maxEntries) throw new CodeArchiveError(CodeArchiveErrorCodes.tooLarge, `${dir} holds more than ${limits.maxEntries} files and directories; list what the job does not need in ${IGNORE_FILE}`);
    if (bytes > limits.maxUnpackedBytes) throw new CodeArchiveError(CodeArchiveErrorCodes.tooLarge, `${dir} holds more than ${Math.round(limits.maxUnpackedBytes / 2 ** 20)} MiB; upload data as an artifact (gpulab upload) and list it in ${IGNORE_FILE}`, file.path);
  });
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function walk(root: string, at: string, rules: Ignore, add: (file: CodeFile) => Promise<void>): Promise<void> {
  const entries = await readdir(join(root, at), { withFileTypes: true });
  for (const entry of entries) {
    const path = at ? posix.join(at, entry.name) : entry.name;
    const full = join(root, path);
    const stat = await lstat(full);
    if (stat.isDirectory()) {
      if (rules.ignores(`${path}/`)) continue;
      await add({ path, kind: 'directory', size: 0 });
      await walk(root, path, rules, add);
    } else if (rules.ignores(path)) {
      continue;
    } else if (stat.isSymbolicLink()) {
      const target = await readlink(full);
      const inside = relative(root, resolve(join(root, at), target));
      if (inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
        throw new CodeArchiveError(CodeArchiveErrorCodes.escapingLink, `${path} links to ${target}, outside ${root}; copy what it points to into the directory instead`, path);
      }
      await add({ path, kind: 'link', size: 0 });
    } else if (stat.isFile()) {
      await add({ path, kind: 'file', size: stat.size });
    } else {
      throw new CodeArchiveError(CodeArchiveErrorCodes.unsupportedEntry, `${path} is neither a file, a directory nor a link; list it in ${IGNORE_FILE}`, path);
    }
  }
}

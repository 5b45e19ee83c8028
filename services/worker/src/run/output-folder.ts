import { lstat, readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { OUTPUT_FILE_NAME_PATTERN, type OutputFileRef, WORKER_WRITE_MAX_BYTES } from '@gpulab/contracts';
import { packFolder } from './folder-archive';

/** What saving the outputs folder stored, and what it could not, each with why. */
export interface SavedOutputs {
  files: OutputFileRef[];
  notSaved: string[];
  /** Of `notSaved`, what the store refused (the team's storage full, the store down), not what no store could take. */
  refused: string[];
}

const CONTENT_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.csv': 'text/csv',
  '.txt': 'text/plain',
  '.log': 'text/plain',
  '.json': 'application/json',
  '.npy': 'application/octet-stream',
  '.tar': 'application/x-tar',
};

/** A file's content type from its extension; anything unknown is bytes. */
export function contentTypeOf(name: string): string {
  return CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Stores everything in the outputs folder as the job's files: each plain file under its own
 * name, each folder as `<name>.tar` (a job's files are one level), through `store`. What cannot
 * be stored (a name a download could not write, a link, a file past the size limit, a refusal
 * of the store) is listed, not fatal: the rest is still saved.
 */
export async function saveOutputFolder(folder: string, store: (name: string, bytes: Uint8Array) => Promise<void>): Promise<SavedOutputs> {
  const files: OutputFileRef[] = [];
  const notSaved: string[] = [];
  const refused: string[] = [];
  const entries = await readdir(folder).catch(() => [] as string[]);
  for (const entry of entries.sort()) {
    const path = join(folder, entry);
    const info = await lstat(path);
    const name = info.isDirectory() ? `${entry}.tar` : entry;
    if (!OUTPUT_FILE_NAME_PATTERN.test(name)) {
      notSaved.push(`${entry}: not a plain file name (letters, digits, ".", "_", "-")`);
      continue;
    }
    if (!info.isFile() && !info.isDirectory()) {
      notSaved.push(`${entry}: not a file or folder`);
      continue;
    }
    const bytes = info.isDirectory() ? (await packFolder(path)).bytes : await readFile(path);
    if (bytes.byteLength > WORKER_WRITE_MAX_BYTES) {
      notSaved.push(`${entry}: ${bytes.byteLength} bytes, over the ${WORKER_WRITE_MAX_BYTES / 2 ** 20} MiB a file may have`);
      continue;
    }
    try {
      await store(name, bytes);
      files.push({ name, contentType: contentTypeOf(name), bytes: bytes.byteLength });
    } catch (error) {
      notSaved.push(`${entry}: ${(error as Error).message}`);
      refused.push(entry);
    }
  }
  return { files, notSaved, refused };
}

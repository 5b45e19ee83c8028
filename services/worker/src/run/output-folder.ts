import { lstat, readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { OUTPUT_FILE_NAME_PATTERN, type OutputFileRef, storageSize, WORKER_WRITE_MAX_BYTES } from '@gpulab/contracts';
import { WorkerDataError } from '@gpulab/platform';
import { packFolder } from './folder-archive';

/** What saving the outputs folder stored, and what it could not, each with why. */
export interface SavedOutputs {
  files: OutputFileRef[];
  notSaved: string[];
  /** Of `notSaved`, what the store refused (the team's storage full, the store down), not what no store could take. */
  refused: string[];
  /** Set once the team's storage was full: the first entry that did not fit and every one after it were dropped. */
  full?: StorageFull;
}

/** What the team's full storage left out of a job's outputs. */
export interface StorageFull {
  droppedFiles: number;
  droppedBytes: number;
  /** The store's words: "team storage full (quota 1024.0 MB)". */
  why: string;
}

/** "outputs: kept 3 files (12.0 MB), dropped 2 files (1400.0 MB): team storage full (quota 2048.0 MB)". */
export function storageFullReason(saved: Pick<SavedOutputs, 'files'>, full: StorageFull): string {
  const kept = saved.files.reduce((sum, f) => sum + f.bytes, 0);
  const files = (n: number) => `${n} file${n === 1 ? '' : 's'}`;
  return `outputs: kept ${files(saved.files.length)} (${storageSize(kept)}), dropped ${files(full.droppedFiles)} (${storageSize(full.droppedBytes)}): ${full.why}`;
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
 * name, each folder as `<name>.tar` (a job's files are one level), through `store`, in name
 * order. What cannot be stored (a name a download could not write, a link, a file past the size
 * limit, a refusal of the store) is listed, not fatal: the rest is still saved. Once the team's
 * storage is full (the store says so), that entry and every later one are dropped, even one that
 * would still fit: what is kept is then the outputs up to a name, which a user can reason about,
 * rather than whichever small files happened to squeeze in.
 */
export async function saveOutputFolder(folder: string, store: (name: string, bytes: Uint8Array) => Promise<void>): Promise<SavedOutputs> {
  const files: OutputFileRef[] = [];
  const notSaved: string[] = [];
  const refused: string[] = [];
  const entries = (await readdir(folder).catch(() => [] as string[])).sort();
  let full: StorageFull | undefined;
  for (const entry of entries) {
    const path = join(folder, entry);
    const info = await lstat(path);
    if (full) {
      if (info.isFile() || info.isDirectory()) {
        full.droppedFiles += 1;
        full.droppedBytes += info.isDirectory() ? await folderBytes(path) : info.size;
      }
      continue;
    }
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
      refused.push(entry);
      if (error instanceof WorkerDataError && error.code === 'storage-full') full = { droppedFiles: 1, droppedBytes: bytes.byteLength, why: error.message };
      else notSaved.push(`${entry}: ${(error as Error).message}`);
    }
  }
  return { files, notSaved, refused, ...(full ? { full } : {}) };
}

/** The bytes of the files under a folder: what its archive would about take. */
async function folderBytes(folder: string): Promise<number> {
  let sum = 0;
  for (const entry of await readdir(folder, { withFileTypes: true }).catch(() => [])) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) sum += await folderBytes(path);
    else if (entry.isFile()) sum += (await lstat(path)).size;
  }
  return sum;
}

import { lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { extract, pack } from 'tar-stream';

/** What packing a folder kept and what it left out (links, devices: nothing a checkpoint needs). */
export interface PackedFolder {
  bytes: Uint8Array;
  files: number;
  skipped: string[];
}

/**
 * A folder as one tar archive in memory: regular files and folders only, paths relative to it.
 * A checkpoint is one object per job, so the folder travels as one.
 */
export async function packFolder(root: string): Promise<PackedFolder> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    archive.once('end', () => resolve());
    archive.once('error', reject);
  });
  const skipped: string[] = [];
  let files = 0;
  for (const path of await walk(root)) {
    const name = relative(root, path).split(sep).join('/');
    const info = await lstat(path);
    if (info.isDirectory()) {
      archive.entry({ name, type: 'directory', mode: 0o755 });
    } else if (info.isFile()) {
      archive.entry({ name, mode: info.mode & 0o777, mtime: info.mtime }, await readFile(path));
      files += 1;
    } else {
      skipped.push(name);
    }
  }
  archive.finalize();
  await done;
  return { bytes: Buffer.concat(chunks), files, skipped };
}

/**
 * Writes an archive made by {@link packFolder} into `root`. Entries that would land outside it
 * (`..`, absolute paths) and anything but files and folders are refused, since the archive
 * came from a command the worker does not trust.
 */
export async function unpackFolder(bytes: Uint8Array, root: string): Promise<number> {
  const reader = extract();
  let files = 0;
  const done = (async () => {
    for await (const entry of reader) {
      const target = normalize(join(root, entry.header.name));
      const inside = target === root || target.startsWith(root + sep);
      if (!inside || (entry.header.type !== 'file' && entry.header.type !== 'directory')) {
        entry.resume();
        continue;
      }
      if (entry.header.type === 'directory') {
        await mkdir(target, { recursive: true });
        entry.resume();
        continue;
      }
      const parts: Buffer[] = [];
      for await (const chunk of entry) parts.push(chunk as Buffer);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, Buffer.concat(parts), { mode: entry.header.mode & 0o777 });
      files += 1;
    }
  })();
  reader.end(Buffer.from(bytes));
  await done;
  return files;
}

/** Every path under `root`, folders before their contents. */
export async function walk(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    out.push(path);
    if (entry.isDirectory()) out.push(...(await walk(path)));
  }
  return out;
}

